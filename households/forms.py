"""Forms of the household pages: search and filters, the review form (phone first)."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from areas.models import AreaType

from .models import ETHNICITY_CHOICES, Classification, Member, Review, ReviewRequest, Transition

ERR_MONEY = _("Enter the amount in whole đồng, for example 1.500.000.")


class MoneyField(forms.IntegerField):
    """Whole đồng; accepts "1.500.000", "1 500 000" and "1500000"."""

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"[.\s ,₫đ]", "", value.strip().lower())
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            raise forms.ValidationError(ERR_MONEY, code="money") from exc


class HouseholdFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, help_text=_("Name, household code or national ID number"))
    village = forms.TypedChoiceField(label=_("Village"), required=False, coerce=int, empty_value=None)
    classification = forms.ChoiceField(
        label=_("Classification"), required=False, choices=[("", _("All"))] + list(Classification.choices)
    )
    transition = forms.ChoiceField(
        label=_("Year-on-year change"), required=False, choices=[("", _("All"))] + list(Transition.choices)
    )

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("All villages"))] + [(v.pk, v.name) for v in villages]


class ReviewForm(forms.Form):
    """One review. Indicator fields are added for the standard that applies (``indicators``)."""

    review_date = forms.DateField(label=_("Review date"), help_text=_("For example 25/10/2026"))
    kind = forms.ChoiceField(label=_("Kind of review"), choices=Review.Kind.choices, initial=Review.Kind.PERIODIC)
    income_per_capita = MoneyField(
        label=_("Income per person per month (đồng)"), min_value=0, help_text=_("Average over the last 12 months")
    )
    household_size = forms.IntegerField(label=_("Number of members"), min_value=1, max_value=99)
    submission_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, indicators=(), derived=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        self.derived = derived or {}
        for ind in self.indicators:
            self.fields[f"ind_{ind.code}"] = forms.BooleanField(
                label=ind.name_vi,
                required=False,
                initial=self.derived.get(ind.code, False),
                help_text=ind.legal_text_vi,
            )
            if ind.code in self.derived:
                self.fields[f"reason_{ind.code}"] = forms.CharField(
                    label=_("Reason for changing what the member records say"), required=False, max_length=300
                )

    def clean_review_date(self):
        value = self.cleaned_data["review_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The review date cannot be in the future."))
        if value < date(2021, 1, 1):
            raise forms.ValidationError(_("No poverty standard in this system covers that date."))
        return value

    def indicator_rows(self):
        """(indicator, checkbox, reason field or None, what the records say or None) for the template."""
        for ind in self.indicators:
            reason = self[f"reason_{ind.code}"] if f"reason_{ind.code}" in self.fields else None
            yield ind, self[f"ind_{ind.code}"], reason, self.derived.get(ind.code)

    def deprived(self) -> set[str]:
        return {ind.code for ind in self.indicators if self.cleaned_data.get(f"ind_{ind.code}")}

    def overrides(self) -> dict[str, str]:
        return {
            ind.code: self.cleaned_data.get(f"reason_{ind.code}", "")
            for ind in self.indicators
            if f"reason_{ind.code}" in self.fields
        }


class ReviewRequestForm(forms.Form):
    household_code = forms.CharField(label=_("Household code"), max_length=40)
    ask = forms.ChoiceField(label=_("The household asks"), choices=ReviewRequest.Ask.choices)
    received_on = forms.DateField(label=_("Received on"), help_text=_("For example 20/03/2026"))


class ReviewRequestDecideForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=[c for c in ReviewRequest.Outcome.choices if c[0]])
    decided_on = forms.DateField(label=_("Decided on"))
    reason = forms.CharField(
        label=_("Reasons (required for a refusal)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class HouseholdEditForm(forms.Form):
    village = forms.TypedChoiceField(label=_("Village"), coerce=int)
    head_name = forms.CharField(label=_("Head of household"), max_length=150)
    head_ethnicity = forms.ChoiceField(label=_("Ethnicity of the head"), choices=ETHNICITY_CHOICES)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    area_type = forms.ChoiceField(label=_("Area type"), choices=AreaType.choices)
    size = forms.IntegerField(label=_("Number of members"), min_value=1, max_value=99)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(v.pk, v.name) for v in villages]


class MemberForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=Member.Sex.choices)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, help_text=_("For example 02/09/1985"))
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=Member.Relation.choices)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=ETHNICITY_CHOICES)
    national_id = forms.CharField(
        label=_("National ID number"), max_length=12, required=False, help_text=_("12 digits, on the citizen ID card")
    )
    has_disability = forms.BooleanField(label=_("Has a disability"), required=False)
    has_health_insurance = forms.BooleanField(label=_("Has health insurance"), required=False)
    schooling = forms.ChoiceField(label=_("Schooling"), choices=Member.Schooling.choices, required=False)
    education = forms.ChoiceField(label=_("Education level"), choices=Member.Education.choices)
    in_training = forms.BooleanField(label=_("In training now"), required=False)
    employment = forms.ChoiceField(
        label=_("Employment"), choices=[("", "—"), *Member.Employment.choices], required=False
    )
