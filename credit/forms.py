"""Forms of the credit pages. Dates as dd/mm/yyyy, money in whole đồng ("1.500.000" accepted)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.forms import MoneyField

from .models import Loan as LoanModel
from .models import LoanProgram, LoanUseCheck, RiskCause, SavingsGroup, TransactionPoint

DATE_HINT = _("For example 25/10/2026")


def _key() -> str:
    return uuid.uuid4().hex


class KeyedForm(forms.Form):
    """A form whose submission carries a one-time key: submitted twice (double click, retry), recorded once."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", _key())
        super().__init__(*args, **kwargs)


class VersionedForm(forms.Form):
    """Carries the loan's version seen when the page was opened (a conflicting edit is refused, not lost)."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), required=False, help_text=DATE_HINT)
    program = forms.ModelChoiceField(
        label=_("Programme"), queryset=LoanProgram.objects.all(), required=False, empty_label=_("All programmes")
    )

    def as_of_value(self):
        if self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return timezone.localdate()


class LoanFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, help_text=_("Household code or name of the head"))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(LoanModel.Status.choices)
    )
    program = forms.ModelChoiceField(
        label=_("Programme"), queryset=LoanProgram.objects.all(), required=False, empty_label=_("All programmes")
    )


class ApplicationForm(forms.Form):
    household = forms.TypedChoiceField(label=_("Household"), coerce=int)
    program = forms.ModelChoiceField(label=_("Programme"), queryset=LoanProgram.objects.filter(active=True))
    amount = MoneyField(label=_("Amount requested (đồng)"), min_value=1)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=240)
    principal_every_months = forms.IntegerField(
        label=_("Principal instalment every (months)"), min_value=1, max_value=60, initial=6
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=LoanModel.Purpose.choices)
    borrowing_plan = forms.CharField(
        label=_("Borrowing plan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What the money buys and how it will be repaid"),
    )
    applied_on = forms.DateField(label=_("Date of the request"), help_text=DATE_HINT)

    def __init__(self, *args, memberships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].choices = [
            (m.household_id, f"{m.household.code} · {m.household.head_name}") for m in memberships
        ]
        self.fields["applied_on"].initial = timezone.localdate()


class StepForm(VersionedForm):
    on = forms.DateField(label=_("Date"), help_text=DATE_HINT)


class ApproveForm(StepForm):
    amount = MoneyField(label=_("Amount approved (đồng)"), min_value=1)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=240)


class RefuseForm(VersionedForm):
    on = forms.DateField(label=_("Date"), help_text=DATE_HINT)
    reason = forms.CharField(label=_("Reason for the refusal"), widget=forms.Textarea(attrs={"rows": 2}))


class DisburseForm(KeyedForm, VersionedForm):
    on = forms.DateField(label=_("Date of disbursement"), help_text=DATE_HINT)
    transaction_point = forms.ModelChoiceField(label=_("Transaction point"), queryset=TransactionPoint.objects.none())

    def __init__(self, *args, commune=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transaction_point"].queryset = TransactionPoint.objects.filter(commune=commune, active=True)


class CollectionForm(KeyedForm):
    on = forms.DateField(label=_("Date collected"), help_text=DATE_HINT)
    principal = MoneyField(label=_("Principal (đồng)"), min_value=0, required=False)
    interest = MoneyField(label=_("Interest (đồng)"), min_value=0, required=False)
    overdue_interest = MoneyField(label=_("Overdue interest (đồng)"), min_value=0, required=False)


class ReverseForm(KeyedForm):
    entry = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=_("Date of the correction"), help_text=DATE_HINT)
    reason = forms.CharField(label=_("What was wrong"), max_length=300)


class ExtendForm(VersionedForm):
    on = forms.DateField(label=_("Granted on"), help_text=DATE_HINT)
    new_due_date = forms.DateField(label=_("New due date"), help_text=DATE_HINT)
    cause = forms.ModelChoiceField(label=_("Cause"), queryset=RiskCause.objects.filter(active=True), required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    decision_reference = forms.CharField(label=_("Decision (number)"), required=False, max_length=100)


class FreezeForm(VersionedForm):
    frozen_from = forms.DateField(label=_("Frozen from"), help_text=DATE_HINT)
    frozen_until = forms.DateField(label=_("Frozen until"), help_text=DATE_HINT)
    cause = forms.ModelChoiceField(label=_("Cause"), queryset=RiskCause.objects.filter(active=True))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    decision_reference = forms.CharField(label=_("Decision (number)"), required=False, max_length=100)


class WriteOffForm(KeyedForm, VersionedForm):
    on = forms.DateField(label=_("Written off on"), help_text=DATE_HINT)
    principal = MoneyField(label=_("Principal written off (đồng)"), min_value=0)
    cause = forms.ModelChoiceField(label=_("Cause"), queryset=RiskCause.objects.filter(active=True))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    decision_reference = forms.CharField(label=_("Decision (number)"), required=False, max_length=100)


class UseCheckForm(forms.Form):
    on = forms.DateField(label=_("Checked on"), help_text=DATE_HINT)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=LoanUseCheck.Outcome.choices, widget=forms.RadioSelect)
    checker = forms.ChoiceField(label=_("Checked by"), choices=LoanUseCheck.Checker.choices)
    notes = forms.CharField(label=_("What was seen"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class GroupChoiceForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Savings group"), queryset=SavingsGroup.objects.none())
