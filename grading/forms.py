"""Forms of the grading pages; domain rules stay in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from examens.forms_auth import AccessibleForm
from examens.models import Component, Level, User

from .models import Result, Rubric


class RatingForm(AccessibleForm):
    """One whole-number field per rubric aspect, bounded by the aspect's maximum."""

    def __init__(self, *args, rubric: Rubric, language: str = "nl", **kwargs):
        super().__init__(*args, **kwargs)
        for aspect in rubric.aspects:
            label = rubric.aspect_label(aspect["code"], language)
            self.fields[aspect["code"]] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=int(aspect["max"]),
                help_text=_("0 to %(max)s points") % {"max": aspect["max"]},
            )

    def scores(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in self.fields}


class CorrectionForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Reason for the correction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in the history and the audit trail."),
    )
    raw_score = forms.IntegerField(label=_("Corrected raw score"), min_value=0, required=False)
    outcome = forms.ChoiceField(
        label=_("Corrected outcome"),
        required=False,
        choices=[("", "—")]
        + [
            (value, label)
            for value, label in Result.Outcome.choices
            if value not in (Result.Outcome.PASSED, Result.Outcome.FAILED)
        ],
        help_text=_("Only when there is no score: no-show, refused, (not) completed."),
    )


class SignOffForm(AccessibleForm):
    component = forms.ModelChoiceField(
        label=_("Component"),
        queryset=Component.objects.filter(assessment=Component.Assessment.SIGN_OFF),
        to_field_name="code",
    )
    completed = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[("1", _("Completed")), ("0", _("Not completed"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    hours = forms.IntegerField(label=_("Practical hours"), min_value=0, required=False)
    started_on = forms.DateField(label=_("Started on"), required=False, help_text="YYYY-MM-DD")
    ended_on = forms.DateField(label=_("Ended on"), required=False, help_text="YYYY-MM-DD")
    declaration_reference = forms.CharField(
        label=_("Reference of the signed declaration"), max_length=100, required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def evidence(self) -> dict:
        data = self.cleaned_data
        return {
            key: data[key]
            for key in ("hours", "started_on", "ended_on", "declaration_reference", "note")
            if data.get(key) not in (None, "")
        }


def _date() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class ExaminerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class QualificationForm(AccessibleForm):
    """Grant a qualification; the examiner is chosen among the organisation's examiners."""

    user = ExaminerChoiceField(label=_("Examiner"), queryset=User.objects.none())
    component = forms.ModelChoiceField(
        label=_("Component"), queryset=Component.objects.all(), to_field_name="code"
    )
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("", _("Any level"))] + list(Level.choices),
        required=False,
    )
    valid_from = forms.DateField(label=_("Valid from"), help_text="YYYY-MM-DD", widget=_date())
    valid_until = forms.DateField(label=_("Valid until"), help_text="YYYY-MM-DD", widget=_date())

    def __init__(self, *args, examiners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = examiners.order_by("last_name", "first_name", "username")


class WithdrawQualificationForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Reason for the withdrawal"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit trail."),
    )
