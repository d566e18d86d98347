from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from examens.models import (
    Accommodation,
    Candidate,
    Component,
    ExamCentre,
    ExamVersion,
    Room,
    RouteRequirement,
)
from examens.search import looks_like_bsn

from .models import SessionStaff


def room_label(room: Room) -> str:
    """A room as the planner chooses it: where it is and how many seats it has."""
    seats = ngettext("%(count)d seat", "%(count)d seats", room.capacity) % {"count": room.capacity}
    return f"{room.centre.name} / {room.name} ({seats})"


class SessionForm(forms.Form):
    room: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Room"),
        queryset=Room.objects.none(),
        help_text=_("Each room with its number of seats: the capacity cannot exceed them."),
    )
    exam_version = forms.ModelChoiceField(
        label=_("Exam version"),
        queryset=ExamVersion.objects.filter(status=ExamVersion.Status.ACTIVE).select_related(
            "component"
        ),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=1,
        required=False,
        help_text=_("Empty: the component's standard duration."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        help_text=_("Seats offered for booking, at most the room's seats."),
    )
    accommodations = forms.MultipleChoiceField(
        label=_("Accommodations served"),
        choices=Accommodation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_extra_minutes = forms.IntegerField(
        label=_("Extra minutes available"), min_value=0, initial=0
    )

    def __init__(self, *args, rooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms
        self.fields["room"].label_from_instance = room_label


class CancelSessionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CandidateSearchForm(forms.Form):
    """The booking page's search box: posted (views.book), so a BSN typed in it stays
    out of every URL."""

    q = forms.CharField(label=_("Candidate name or BSN"), required=False, max_length=100)


class CancelBookingForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    reason_accepted = forms.BooleanField(
        label=_("Reason accepted (a late cancellation does not count as an attempt)"),
        required=False,
    )


class NoNumberEchoInput(forms.TextInput):
    """A search field that comes back filled in with a name, never with a number that
    could be a BSN (the answering page must not carry it)."""

    def format_value(self, value):
        return None if looks_like_bsn(str(value or "")) else super().format_value(value)


class WaitingSearchForm(forms.Form):
    """The waiting list's candidate search: posted (views.waiting), so a BSN typed in it
    stays out of every URL; a name and a date of birth go on to the page's address."""

    q = forms.CharField(
        label=_("Name or BSN"), required=False, max_length=100, widget=NoNumberEchoInput
    )
    born = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d-%m-%Y"],
        help_text=_("Optional, e.g. 31-12-1990."),
        error_messages={"invalid": _("Give the date of birth as day-month-year, e.g. 31-12-1990.")},
    )


class WaitingListForm(forms.Form):
    """Put the candidate found by the search on a centre's waiting list for a component."""

    candidate: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Candidate.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Find the candidate first and choose them."),
            "invalid_choice": _("Find the candidate first and choose them."),
        },
    )
    component: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Component"), queryset=Component.objects.none()
    )
    centre: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Exam centre"), queryset=ExamCentre.objects.none()
    )

    def __init__(self, *args, centres, candidates, chosen: Candidate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        components = Component.objects.order_by("code")
        if chosen is not None:
            self.fields["candidate"].initial = chosen.pk
            components = components.filter(
                pk__in=RouteRequirement.objects.filter(route_id=chosen.route_id).values(
                    "component_id"
                )
            )
        for name, queryset in (
            ("centre", centres),
            ("candidate", candidates),
            ("component", components),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - narrows for mypy  # nosec B101
            field.queryset = queryset


class DoorSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or booking reference (scan the QR code)"), required=False, max_length=100
    )


class DoorActionForm(forms.Form):
    ACTIONS = [
        ("check_in", _("Check in")),
        ("reject", _("Refuse")),
        ("irregularity", _("Report irregularity")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    identity_confirmed = forms.BooleanField(
        label=_("ID document checked and matches"), required=False
    )
    text = forms.CharField(label=_("Reason or description"), required=False, max_length=2000)


class StaffForm(forms.Form):
    user: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Examiner or invigilator"), queryset=None
    )
    role = forms.ChoiceField(label=_("Role"), choices=SessionStaff.Role.choices)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people
        self.fields["user"].label_from_instance = lambda u: u.get_full_name() or u.get_username()


class RescheduleForm(forms.Form):
    to_session: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Move to session"), queryset=None, empty_label=None
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    reason_accepted = forms.BooleanField(
        label=_("Reason accepted (a late move does not count as an attempt)"), required=False
    )

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_session"].queryset = sessions
        self.fields["to_session"].label_from_instance = _session_label


def _session_label(session) -> str:
    when = timezone.localtime(session.starts_at).strftime("%d-%m-%Y %H:%M")
    return f"{when} · {session.centre.name} / {session.room.name} ({session.seats_free})"


class WithdrawVersionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (e.g. items leaked)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    replacement: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Replacement version"),
        queryset=None,
        required=False,
        empty_label=_("None: cancel the sessions"),
        help_text=_(
            "With a replacement, future sessions switch to it and keep their bookings; "
            "without one, they are cancelled and the candidates notified."
        ),
    )

    def __init__(self, *args, replacements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replacement"].queryset = replacements


class FeedForm(forms.Form):
    centre = forms.IntegerField(required=False, widget=forms.HiddenInput)
    mine = forms.BooleanField(required=False, widget=forms.HiddenInput)
