"""VBSP credit: programmes and dated rates, mass organisations, transaction points, savings-and-loan groups, loans,
their stored schedules, the append-only ledger, risk-debt files (extension, freeze, write-off), loan-use checks and
collection sheets.

Workflows live in ``credit.services``; positions are derived by ``credit.position`` (pure) and, for many loans at
once, by the SQL of ``credit.portfolio``. Facts the domain reference marks as unconfirmed are data an administrator
can correct (each such row says which of its parts are unconfirmed), never constants in code. See docs/credit.md.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from areas.models import Commune, Village
from households.models import Household

from . import position as pos
from .schedule import monthly_rate

ERR_LEDGER_IMMUTABLE = _("A ledger entry is never changed or deleted: record a reversing entry instead.")


class HouseholdStatus(models.TextChoices):
    """The statuses a programme can be open to (domain.md §9.1 and §9.2)."""

    POOR = "poor", _("Poor household")
    NEAR_POOR = "near_poor", _("Near-poor household")
    NEWLY_ESCAPED = "newly_escaped", _("Newly escaped-poverty household")
    AVERAGE = "average", _("Average living standard")
    NON_POOR = "non_poor", _("Non-poor household")


# --- reference data ---------------------------------------------------------------------------------------------
class LoanProgram(models.Model):
    class Collateral(models.TextChoices):
        NONE = "none", _("No collateral")
        ABOVE_THRESHOLD = "above_threshold", _("Collateral above a threshold amount")
        REQUIRED = "required", _("Collateral always required")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    eligible_statuses = models.JSONField(
        _("eligible household statuses"),
        default=list,
        blank=True,
        help_text=_("Codes: poor, near_poor, newly_escaped, average, non_poor. Empty: open to any household."),
    )
    requires_group_membership = models.BooleanField(
        _("borrower must be a member of a savings-and-loan group"), default=True
    )
    requires_disadvantaged_commune = models.BooleanField(_("only in disadvantaged communes"), default=False)
    requires_ethnic_minority = models.BooleanField(_("only ethnic-minority households"), default=False)
    max_amount = models.PositiveBigIntegerField(_("maximum amount (đồng)"), null=True, blank=True)
    max_term_months = models.PositiveSmallIntegerField(_("maximum term (months)"), null=True, blank=True)
    collateral_rule = models.CharField(_("collateral"), max_length=16, choices=Collateral.choices, default="none")
    collateral_threshold = models.PositiveBigIntegerField(_("collateral required above (đồng)"), null=True, blank=True)
    overdue_multiplier = models.DecimalField(
        _("overdue interest as a multiple of the rate"), max_digits=5, decimal_places=4, default=Decimal("1.3")
    )
    use_check_days = models.PositiveSmallIntegerField(
        _("loan-use check within (days after disbursement)"), default=30, validators=[MinValueValidator(1)]
    )
    default_term_months = models.PositiveSmallIntegerField(_("usual term (months)"), default=36)
    default_principal_every_months = models.PositiveSmallIntegerField(
        _("usual principal instalment every (months)"), default=6, validators=[MinValueValidator(1)]
    )
    unconfirmed = models.TextField(
        _("unconfirmed facts"),
        blank=True,
        help_text=_("Which of these values the legal texts have not confirmed yet (domain.md §7); correct and clear."),
    )
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("open to new loans"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loan programme")
        verbose_name_plural = _("loan programmes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(overdue_multiplier__gte=1), name="program_overdue_multiplier_min"),
        ]

    def __str__(self) -> str:
        return self.name_vi

    def rate_periods(self) -> list[pos.RatePeriod]:
        return [pos.RatePeriod(r.valid_from, r.annual_rate) for r in self.rates.all()]


class RateSchedule(models.Model):
    """An annual lending rate of a programme in force from ``valid_from`` until the next row; it applies to the
    outstanding balances of loans already disbursed too (Decision 2553/QĐ-TTg, 1 Dec 2025)."""

    program = models.ForeignKey(
        LoanProgram, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="rates"
    )
    valid_from = models.DateField(_("valid from"))
    annual_rate = models.DecimalField(
        _("annual rate"),
        max_digits=7,
        decimal_places=5,
        help_text=_("A fraction: 0.06240 is 6.24 % a year (0.52 % a month)."),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.99999"))],
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    unconfirmed = models.TextField(_("unconfirmed facts"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("interest rate")
        verbose_name_plural = _("interest rates")
        ordering = ["program_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["program", "valid_from"], name="rate_one_per_day"),
            models.CheckConstraint(condition=Q(annual_rate__gte=0) & Q(annual_rate__lt=1), name="rate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} {self.valid_from:%d/%m/%Y} {self.annual_percent}%"

    @property
    def monthly_rate(self) -> Decimal:
        """As VBSP quotes it (a fraction): 0.0624 a year → 0.00520 a month."""
        return monthly_rate(self.annual_rate)

    @property
    def annual_percent(self) -> Decimal:
        return (self.annual_rate * 100).normalize()

    @property
    def monthly_percent(self) -> Decimal:
        return (self.monthly_rate * 100).quantize(Decimal("0.001")).normalize()


class CreditPolicy(models.Model):
    """Rules that are data because the legal texts behind them were not confirmed (one row, pk 1)."""

    group_min_members = models.PositiveSmallIntegerField(_("fewest members of a group"), default=3)
    group_max_members = models.PositiveSmallIntegerField(_("most members of a group"), default=60)
    newly_escaped_years = models.PositiveSmallIntegerField(_("years a household counts as newly escaped"), default=3)
    minimum_savings_deposit = models.PositiveIntegerField(_("smallest savings deposit (đồng)"), default=5000)
    unconfirmed = models.TextField(_("unconfirmed facts"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit rules")
        verbose_name_plural = _("credit rules")

    def __str__(self) -> str:
        return str(_("credit rules"))

    @classmethod
    def current(cls) -> CreditPolicy:
        return cls.objects.get_or_create(pk=1)[0]


class RiskCause(models.Model):
    """An objective cause under which a debt may be extended, frozen or written off (Decision 50/2010, as amended)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    unconfirmed = models.TextField(_("unconfirmed facts"), blank=True)
    active = models.BooleanField(_("in use"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cause of risk debt")
        verbose_name_plural = _("causes of risk debt")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_vi


class MassOrganization(models.Model):
    """One of the four socio-political organisations VBSP entrusts lending to."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        verbose_name = _("entrusted organisation")
        verbose_name_plural = _("entrusted organisations")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_vi


class TransactionPoint(models.Model):
    commune = models.ForeignKey(
        Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="transaction_points"
    )
    name = models.CharField(_("name"), max_length=200)
    location = models.CharField(_("place"), max_length=255, blank=True)
    session_day = models.PositiveSmallIntegerField(
        _("monthly session day"), validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commune transaction point")
        verbose_name_plural = _("commune transaction points")
        ordering = ["commune_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="transaction_point_name_per_commune"),
            models.CheckConstraint(condition=Q(session_day__gte=1) & Q(session_day__lte=28), name="session_day_range"),
        ]

    def __str__(self) -> str:
        return self.name


class SavingsGroup(models.Model):
    class Grade(models.TextChoices):
        GOOD = "good", _("Good")
        FAIRLY_GOOD = "fairly_good", _("Fairly good")
        AVERAGE = "average", _("Average")
        WEAK = "weak", _("Weak")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    village = models.ForeignKey(Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+")
    adjacent_villages = models.ManyToManyField(
        Village,
        verbose_name=_("adjacent villages it also takes members from"),
        blank=True,
        related_name="+",
    )
    organisation = models.ForeignKey(
        MassOrganization, verbose_name=_("entrusted organisation"), on_delete=models.PROTECT, related_name="groups"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("group leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_groups",
    )
    transaction_point = models.ForeignKey(
        TransactionPoint,
        verbose_name=_("transaction point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="groups",
    )
    approved_on = models.DateField(_("approved by the commune on"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approval_reference = models.CharField(_("commune decision"), max_length=100, blank=True)
    quality_grade = models.CharField(_("quality grade"), max_length=12, choices=Grade.choices, blank=True)
    graded_on = models.DateField(_("graded on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(m2m_fields=[adjacent_villages])

    class Meta:
        verbose_name = _("savings-and-loan group")
        verbose_name_plural = _("savings-and-loan groups")
        ordering = ["commune_id", "code"]
        indexes = [models.Index(fields=["leader"]), models.Index(fields=["commune", "village"])]

    def __str__(self) -> str:
        return self.name

    @property
    def approved(self) -> bool:
        return self.approved_on is not None


class GroupMembership(models.Model):
    group = models.ForeignKey(
        SavingsGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="memberships"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="credit_memberships"
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    monthly_savings = models.PositiveIntegerField(_("usual monthly savings (đồng)"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["group_id", "household_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "household"], condition=Q(left_on__isnull=True), name="membership_one_active"
            ),
        ]
        indexes = [models.Index(fields=["household", "left_on"])]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.household_id}"

    def active_on(self, day) -> bool:
        return self.joined_on <= day and (self.left_on is None or day < self.left_on)


# --- loans ------------------------------------------------------------------------------------------------------
class Loan(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        SELECTED = "selected", _("Selected by the group")
        CERTIFIED = "certified", _("Certified by the commune")
        APPROVED = "approved", _("Approved")
        REPAYING = "repaying", _("Repaying")
        OVERDUE = "overdue", _("Overdue")
        EXTENDED = "extended", _("Extended")
        FROZEN = "frozen", _("Frozen")
        CLOSED = "closed", _("Closed")
        WRITTEN_OFF = "written_off", _("Written off")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    class Purpose(models.TextChoices):
        CROPS = "crops", _("Crops")
        LIVESTOCK = "livestock", _("Livestock")
        AQUACULTURE = "aquaculture", _("Aquaculture")
        FORESTRY = "forestry", _("Forestry")
        TRADE = "trade", _("Trade and services")
        CRAFT = "craft", _("Handicraft and small industry")
        WATER = "water", _("Clean water facility")
        SANITATION = "sanitation", _("Hygienic latrine")
        HOUSING = "housing", _("Housing")
        EDUCATION = "education", _("Study costs")
        JOB = "job", _("Job creation")
        OTHER = "other", _("Other")

    class Method(models.TextChoices):
        EQUAL_PRINCIPAL = "equal_principal", _("Equal principal instalments")
        ANNUITY = "annuity", _("Equal monthly payments")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="loans"
    )
    group = models.ForeignKey(
        SavingsGroup,
        verbose_name=_("savings-and-loan group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loans",
    )
    program = models.ForeignKey(
        LoanProgram, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="loans"
    )
    # Where the loan is, fixed at application (for scope and reports without joins).
    commune = models.ForeignKey(Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        MassOrganization,
        verbose_name=_("entrusted organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    borrowing_plan = models.TextField(_("borrowing plan"), blank=True)
    amount_requested = models.PositiveBigIntegerField(_("amount requested (đồng)"))
    amount_approved = models.PositiveBigIntegerField(_("amount approved (đồng)"), null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), validators=[MinValueValidator(1)])
    principal_every_months = models.PositiveSmallIntegerField(
        _("principal instalment every (months)"), default=6, validators=[MinValueValidator(1)]
    )
    method = models.CharField(_("repayment method"), max_length=16, choices=Method.choices, default="equal_principal")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.APPLIED)
    applied_on = models.DateField(_("applied on"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    selected_on = models.DateField(_("selected at the group meeting on"), null=True, blank=True)
    selected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    certified_on = models.DateField(_("certified by the commune on"), null=True, blank=True)
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    transaction_point = models.ForeignKey(
        TransactionPoint,
        verbose_name=_("transaction point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loans",
    )
    maturity_date = models.DateField(_("final due date"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    refusal_step = models.CharField(_("refused at"), max_length=16, blank=True)
    refusal_reasons = models.JSONField(_("reasons for the refusal"), default=list, blank=True)
    # The closed form of schedule version 1 (equal principal instalments, disbursed on a day ≤ 28), written once at
    # disbursement, so the portfolio as of a date knows what fell due without reading every instalment row; from
    # ``sched_changed_on`` (an extension or a freeze) the stored rows are used. Empty: always use the rows.
    sched_month_index = models.IntegerField(null=True, blank=True, editable=False)  # year × 12 + month − 1
    sched_day = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sched_count = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    sched_base = models.BigIntegerField(null=True, blank=True, editable=False)
    sched_last = models.BigIntegerField(null=True, blank=True, editable=False)
    sched_changed_on = models.DateField(null=True, blank=True, editable=False)
    # The current position, kept by the posting services under the loan's lock and checked against the ledger at
    # every posting (the ledger invariant). Reports as of a date never read these: they sum the ledger.
    principal_disbursed = models.BigIntegerField(_("disbursed (đồng)"), default=0, editable=False)
    principal_repaid = models.BigIntegerField(_("principal repaid (đồng)"), default=0, editable=False)
    principal_written_off = models.BigIntegerField(_("principal written off (đồng)"), default=0, editable=False)
    outstanding_principal = models.BigIntegerField(_("outstanding (đồng)"), default=0, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(
        excluded_fields=[
            "sched_month_index",
            "sched_day",
            "sched_count",
            "sched_base",
            "sched_last",
            "principal_disbursed",
            "principal_repaid",
            "principal_written_off",
            "outstanding_principal",
            "updated_at",
        ]
    )

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-applied_on", "-id"]
        permissions = [("view_loan_amounts", _("Can see loan amounts of the households served"))]
        indexes = [
            models.Index(fields=["commune", "status"]),
            models.Index(fields=["group", "status"]),
            models.Index(fields=["village", "status"]),
            models.Index(fields=["household", "status"]),
            models.Index(fields=["status", "id"]),
            # The loans whose schedule the portfolio reads from the stored rows (credit.portfolio).
            models.Index(
                fields=["id"],
                name="loan_schedule_from_rows",
                condition=Q(sched_count__isnull=True) | Q(sched_changed_on__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    outstanding_principal=models.F("principal_disbursed")
                    - models.F("principal_repaid")
                    - models.F("principal_written_off")
                ),
                name="loan_position_invariant",
            ),
            models.CheckConstraint(condition=Q(outstanding_principal__gte=0), name="loan_outstanding_not_negative"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.program.code} · {self.household.code}"

    @property
    def amount(self) -> int:
        return self.amount_approved if self.amount_approved is not None else self.amount_requested

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


ACTIVE_STATUSES = (
    Loan.Status.REPAYING,
    Loan.Status.OVERDUE,
    Loan.Status.EXTENDED,
    Loan.Status.FROZEN,
)
PIPELINE_STATUSES = (Loan.Status.APPLIED, Loan.Status.SELECTED, Loan.Status.CERTIFIED, Loan.Status.APPROVED)


class Installment(models.Model):
    """One principal instalment of one version of a loan's schedule (see credit.position for versions)."""

    class Reason(models.TextChoices):
        DISBURSEMENT = "disbursement", _("Disbursement")
        EXTENSION = "extension", _("Extension")
        FREEZE = "freeze", _("Freeze")

    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, related_name="installments", db_index=False
    )  # indexed by installment_by_loan
    schedule_version = models.PositiveSmallIntegerField(default=1)
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField(_("due date"))
    principal = models.BigIntegerField(_("principal (đồng)"))
    effective_from = models.DateField(_("in force from"))
    superseded_on = models.DateField(_("replaced on"), null=True, blank=True)
    reason = models.CharField(max_length=12, choices=Reason.choices, default="disbursement")

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["loan_id", "schedule_version", "due_date"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "schedule_version", "number"], name="installment_number"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="installment_positive"),
        ]
        indexes = [
            models.Index(
                fields=["loan", "due_date", "effective_from", "superseded_on", "principal"], name="installment_by_loan"
            ),
            models.Index(fields=["due_date"], name="installment_current_due", condition=Q(superseded_on__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} v{self.schedule_version} {self.number} {self.due_date}"

    def as_row(self) -> pos.Row:
        return pos.Row(self.due_date, self.principal, self.effective_from, self.superseded_on)


class CollectionSheet(models.Model):
    """A group's monthly collection sheet once the credit officer posted it at the transaction point."""

    group = models.ForeignKey(SavingsGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="sheets")
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    session_date = models.DateField(_("session date"))
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    times_posted = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("collection sheet")
        verbose_name_plural = _("collection sheets")
        ordering = ["-period", "group_id"]
        constraints = [models.UniqueConstraint(fields=["group", "period"], name="sheet_one_per_group_month")]

    def __str__(self) -> str:
        return f"{self.group_id} {self.period:%m/%Y}"


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(ERR_LEDGER_IMMUTABLE, code="ledger_immutable")

    def delete(self):
        raise ValidationError(ERR_LEDGER_IMMUTABLE, code="ledger_immutable")


class LedgerEntry(models.Model):
    """One money movement. Append-only (docs/adr/0003-append-only-ledger.md): the model, its queryset and, on
    PostgreSQL, a trigger refuse UPDATE and DELETE; a correction is a reversing entry."""

    class Kind(models.TextChoices):
        DISBURSEMENT = "disbursement", _("Disbursement")
        PRINCIPAL = "principal", _("Principal collected")
        INTEREST = "interest", _("Interest collected")
        OVERDUE_INTEREST = "overdue_interest", _("Overdue interest collected")
        SAVINGS_DEPOSIT = "savings_deposit", _("Savings deposit")
        WRITE_OFF = "write_off", _("Write-off")
        REVERSAL = "reversal", _("Reversal")

    class Account(models.TextChoices):
        DISBURSED = pos.DISBURSED, _("Principal disbursed")
        REPAID = pos.REPAID, _("Principal repaid")
        WRITTEN_OFF = pos.WRITTEN_OFF, _("Principal written off")
        INTEREST_PAID = pos.INTEREST_PAID, _("Interest paid")
        OVERDUE_INTEREST_PAID = pos.OVERDUE_INTEREST_PAID, _("Overdue interest paid")
        INTEREST_WRITTEN_OFF = pos.INTEREST_WRITTEN_OFF, _("Interest written off")
        SAVINGS = pos.SAVINGS, _("Savings")

    loan = models.ForeignKey(
        Loan, null=True, blank=True, on_delete=models.PROTECT, related_name="entries", db_index=False
    )  # indexed by ledger_loan_date
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(SavingsGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    account = models.CharField(_("account"), max_length=24, choices=Account.choices)
    amount = models.BigIntegerField(_("amount (đồng)"))
    value_date = models.DateField(_("date"))
    posted_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=160, unique=True)
    reverses = models.OneToOneField(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    sheet = models.ForeignKey(CollectionSheet, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    transaction_point = models.ForeignKey(
        TransactionPoint, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["value_date", "id"]
        indexes = [
            models.Index(fields=["loan", "value_date"], name="ledger_loan_date"),
            models.Index(fields=["household", "account", "value_date"], name="ledger_household_account"),
            # The portfolio as of a date reads only the principal accounts: a covering partial index.
            models.Index(
                fields=["loan", "value_date", "account", "amount"],
                condition=Q(account__in=pos.PRINCIPAL_ACCOUNTS),
                name="ledger_principal_by_loan",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(
                condition=(Q(kind="reversal") & Q(reverses__isnull=False))
                | (~Q(kind="reversal") & Q(reverses__isnull=True) & Q(amount__gt=0)),
                name="ledger_reversal_shape",
            ),
            models.CheckConstraint(
                condition=(Q(account=pos.SAVINGS) & Q(loan__isnull=True))
                | (~Q(account=pos.SAVINGS) & Q(loan__isnull=False)),
                name="ledger_loan_unless_savings",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value_date} {self.kind} {self.amount}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(ERR_LEDGER_IMMUTABLE, code="ledger_immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(ERR_LEDGER_IMMUTABLE, code="ledger_immutable")

    def as_entry(self) -> pos.Entry:
        return pos.Entry(self.value_date, self.account, self.amount)


# --- risk-debt files --------------------------------------------------------------------------------------------
class LoanExtension(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="extensions")
    granted_on = models.DateField(_("granted on"))
    previous_due_date = models.DateField(_("was due on"))
    new_due_date = models.DateField(_("new due date"))
    principal = models.BigIntegerField(_("principal extended (đồng)"))
    cause = models.ForeignKey(RiskCause, verbose_name=_("cause"), null=True, blank=True, on_delete=models.PROTECT)
    reason = models.TextField(_("reason"))
    decision_reference = models.CharField(_("decision"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("debt extension")
        verbose_name_plural = _("debt extensions")
        ordering = ["-granted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.loan_id} → {self.new_due_date}"


class LoanFreeze(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="freezes")
    frozen_from = models.DateField(_("frozen from"))
    frozen_until = models.DateField(_("frozen until"))
    principal = models.BigIntegerField(_("principal frozen (đồng)"))
    cause = models.ForeignKey(RiskCause, verbose_name=_("cause"), on_delete=models.PROTECT)
    reason = models.TextField(_("reason"))
    decision_reference = models.CharField(_("decision"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("debt freeze")
        verbose_name_plural = _("debt freezes")
        ordering = ["-frozen_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(frozen_until__gte=models.F("frozen_from")), name="freeze_range")
        ]
        indexes = [models.Index(fields=["frozen_from", "frozen_until"])]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.frozen_from}–{self.frozen_until}"


class LoanWriteOff(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="write_offs")
    on = models.DateField(_("written off on"))
    principal = models.BigIntegerField(_("principal written off (đồng)"), default=0)
    interest = models.BigIntegerField(_("interest written off (đồng)"), default=0)
    cause = models.ForeignKey(RiskCause, verbose_name=_("cause"), on_delete=models.PROTECT)
    reason = models.TextField(_("reason"), blank=True)
    decision_reference = models.CharField(_("decision"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=160, unique=True, null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("debt write-off")
        verbose_name_plural = _("debt write-offs")
        ordering = ["-on", "-id"]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.on} {self.principal}"


# --- loan-use checks --------------------------------------------------------------------------------------------
class LoanUseCheck(models.Model):
    class Outcome(models.TextChoices):
        AS_PLANNED = "as_planned", _("Used as planned")
        PARTLY = "partly", _("Partly as planned")
        MISUSED = "misused", _("Misused")
        NOT_YET = "not_yet", _("Not used yet")

    class Checker(models.TextChoices):
        OFFICER = "officer", _("Credit officer")
        ORGANISATION = "organisation", _("Entrusted organisation")
        GROUP_LEADER = "group_leader", _("Group leader")

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="use_checks")
    due_by = models.DateField(_("to check by"))
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    checker = models.CharField(_("checked by"), max_length=14, choices=Checker.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loan-use check")
        verbose_name_plural = _("loan-use checks")
        ordering = ["due_by", "id"]
        indexes = [models.Index(fields=["loan", "checked_on"]), models.Index(fields=["outcome", "checked_on"])]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.due_by}"
