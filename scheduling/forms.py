from django import forms
from django.utils.translation import gettext_lazy as _

from examens.models import Accommodation, Component, ExamCentre, ExamVersion, Room


class SessionForm(forms.Form):
    room = forms.ModelChoiceField(label=_("Room"), queryset=Room.objects.none())
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
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1)
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


class CancelSessionForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CandidateSearchForm(forms.Form):
    q = forms.CharField(label=_("Candidate name"), required=False, max_length=100)


class CancelBookingForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    reason_accepted = forms.BooleanField(
        label=_("Reason accepted (a late cancellation does not count as an attempt)"),
        required=False,
    )


class WaitingListForm(forms.Form):
    candidate = forms.IntegerField(label=_("Candidate number"), min_value=1)
    component = forms.ModelChoiceField(label=_("Component"), queryset=Component.objects.all())
    centre = forms.ModelChoiceField(label=_("Exam centre"), queryset=ExamCentre.objects.none())

    def __init__(self, *args, centres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres


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
