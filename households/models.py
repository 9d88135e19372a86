"""Households and members, poverty standards and indicators (as data), reviews, Form 04 requests.

Rules live in ``households.poverty`` (pure) and ``households.services``; this module holds tables and constraints.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from areas.models import AreaType, Commune, Province, Village

from .ethnicity import ETHNIC_GROUPS, KINH

ETHNICITY_CHOICES = [(code, name) for code, name in ETHNIC_GROUPS]


class Classification(models.TextChoices):
    POOR = "poor", _("Poor household")
    NEAR_POOR = "near_poor", _("Near-poor household")
    AVERAGE = "average", _("Average living standard")
    NON_POOR = "non_poor", _("Non-poor household")


class Transition(models.TextChoices):
    ESCAPED = "escaped", _("Escaped poverty")
    ESCAPED_NEAR_POOR = "escaped_near_poor", _("Escaped near-poverty")
    FELL_BACK = "fell_back", _("Fell back into poverty")
    FELL_BACK_NEAR_POOR = "fell_back_near_poor", _("Fell back into near-poverty")
    NEWLY_POOR = "newly_poor", _("Newly poor")
    NEWLY_NEAR_POOR = "newly_near_poor", _("Newly near-poor")


# --- standards as data ------------------------------------------------------------------------------------------
class Indicator(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    bit = models.PositiveSmallIntegerField(
        _("bit"), unique=True, help_text=_("Position of the indicator in a review's deprivation mask (0-62).")
    )
    dimension = models.CharField(_("dimension"), max_length=40)
    dimension_vi = models.CharField(_("dimension (Vietnamese)"), max_length=100)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    legal_text_vi = models.TextField(_("legal wording (Vietnamese)"), blank=True)
    member_derived = models.BooleanField(_("decided by member records"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deprivation indicator")
        verbose_name_plural = _("deprivation indicators")
        ordering = ["bit"]
        constraints = [models.CheckConstraint(condition=Q(bit__lte=62), name="indicator_bit_range")]

    def __str__(self) -> str:
        return self.name_vi


class PovertyStandard(models.Model):
    code = models.CharField(_("code"), max_length=40)
    name_vi = models.CharField(_("name"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    province = models.ForeignKey(
        Province,
        verbose_name=_("province (empty: national)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="poverty_standards",
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    rural_income_line = models.PositiveIntegerField(_("income line, rural (đồng/person/month)"))
    urban_income_line = models.PositiveIntegerField(_("income line, urban (đồng/person/month)"))
    rural_average_upper = models.PositiveIntegerField(_("average-living upper band, rural"))
    urban_average_upper = models.PositiveIntegerField(_("average-living upper band, urban"))
    min_deprivations_poor = models.PositiveSmallIntegerField(_("minimum deprivations for poor"), default=3)
    indicators = models.ManyToManyField(Indicator, verbose_name=_("indicators"), related_name="standards")
    provisional = models.CharField(
        _("provisional parts"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated parts not yet confirmed by the legal text (e.g. average_upper, indicators)."),
    )
    history = HistoricalRecords(m2m_fields=[indicators])

    class Meta:
        verbose_name = _("poverty standard")
        verbose_name_plural = _("poverty standards")
        ordering = ["province_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(province__isnull=True), name="standard_code_national"),
            models.UniqueConstraint(fields=["code", "province"], name="standard_code_province"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="standard_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(rural_average_upper__gte=models.F("rural_income_line"))
                & Q(urban_average_upper__gte=models.F("urban_income_line")),
                name="standard_band_above_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_vi} ({self.code})"


# --- the registry -----------------------------------------------------------------------------------------------
class Household(models.Model):
    commune = models.ForeignKey(Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="households")
    village = models.ForeignKey(Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="households")
    code = models.CharField(_("household code"), max_length=40)
    address = models.CharField(_("address"), max_length=255, blank=True)
    head_name = models.CharField(_("head of household"), max_length=150)
    head_name_folded = models.CharField(max_length=150, editable=False, db_index=True)
    head_ethnicity = models.CharField(_("ethnicity of the head"), max_length=2, choices=ETHNICITY_CHOICES, default=KINH)
    area_type = models.CharField(_("area type"), max_length=10, choices=AreaType.choices, default=AreaType.RURAL)
    size = models.PositiveSmallIntegerField(_("household size"), default=1, validators=[MinValueValidator(1)])
    female_headed = models.BooleanField(_("female-headed"), default=False)
    has_disabled_member = models.BooleanField(_("has a member with a disability"), default=False)
    # Denormalised from the latest recognised review, for lists and filters (services keep it in step).
    latest_classification = models.CharField(
        _("latest classification"), max_length=12, choices=Classification.choices, blank=True
    )
    latest_transition = models.CharField(_("latest transition"), max_length=24, choices=Transition.choices, blank=True)
    latest_list_year = models.PositiveSmallIntegerField(_("year of the latest list"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["head_name_folded", "updated_at"])

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["commune_id", "code"]
        constraints = [models.UniqueConstraint(fields=["commune", "code"], name="household_code_per_commune")]
        indexes = [
            models.Index(fields=["village", "code"]),
            models.Index(fields=["commune", "latest_classification"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.head_name}"

    @property
    def ethnic_minority(self) -> bool:
        return self.head_ethnicity != KINH


class Member(models.Model):
    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Relation(models.TextChoices):
        HEAD = "head", _("Head")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        GRANDCHILD = "grandchild", _("Grandchild")
        SIBLING = "sibling", _("Sibling")
        OTHER = "other", _("Other")

    class Schooling(models.TextChoices):
        NOT_APPLICABLE = "", _("Not of school age")
        ATTENDING = "attending", _("Attending the right grade")
        BEHIND = "behind", _("Attending, below the grade for their age")
        NOT_ATTENDING = "not_attending", _("Not attending")

    class Education(models.TextChoices):
        NONE = "none", _("No schooling")
        PRIMARY = "primary", _("Primary")
        LOWER_SECONDARY = "lower_secondary", _("Lower secondary")
        UPPER_SECONDARY = "upper_secondary", _("Upper secondary")
        VOCATIONAL = "vocational", _("Vocational (elementary, intermediate, college)")
        HIGHER = "higher", _("University or higher")

    class Employment(models.TextChoices):
        STABLE = "stable", _("Regular, fairly stable work")
        UNSTABLE = "unstable", _("Irregular work")
        UNEMPLOYED = "unemployed", _("Unemployed")
        STUDENT = "student", _("Pupil or student")
        RETIRED = "retired", _("Retired or pensioner")
        UNABLE = "unable", _("Unable to work")
        CHILD = "child", _("Child")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members"
    )
    full_name = models.CharField(_("full name"), max_length=150)
    full_name_folded = models.CharField(max_length=150, editable=False, db_index=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    relation = models.CharField(_("relation to the head"), max_length=12, choices=Relation.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, choices=ETHNICITY_CHOICES, default=KINH)
    national_id = models.CharField(_("national ID number"), max_length=12, blank=True, db_index=True)
    has_disability = models.BooleanField(_("has a disability"), default=False)
    has_health_insurance = models.BooleanField(_("has health insurance"), default=False)
    schooling = models.CharField(_("schooling"), max_length=16, choices=Schooling.choices, blank=True)
    education = models.CharField(_("education level"), max_length=16, choices=Education.choices, default="none")
    in_training = models.BooleanField(_("in training now"), default=False)
    employment = models.CharField(_("employment"), max_length=12, choices=Employment.choices, blank=True)
    history = HistoricalRecords(excluded_fields=["full_name_folded"])

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"], condition=~Q(national_id=""), name="member_national_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


# --- reviews ----------------------------------------------------------------------------------------------------
class Review(models.Model):
    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Periodic (yearly) review")
        REGULAR = "regular", _("Regular (monthly) review")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        VILLAGE_AGREED = "village_agreed", _("Agreed at the village meeting")
        POSTED = "posted", _("Posted publicly")
        RECOGNISED = "recognised", _("Recognised by the chairman")
        SUPERSEDED = "superseded", _("Superseded")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="reviews"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERIODIC)
    review_date = models.DateField(_("review date"))
    list_year = models.PositiveSmallIntegerField(_("list year"), help_text=_("The year whose lists this review sets."))
    standard = models.ForeignKey(PovertyStandard, verbose_name=_("standard applied"), on_delete=models.PROTECT)
    income_per_capita = models.PositiveIntegerField(_("income per person per month (đồng)"))
    household_size = models.PositiveSmallIntegerField(_("household size"), validators=[MinValueValidator(1)])
    deprived_mask = models.PositiveBigIntegerField(_("deprived indicators (bit mask)"), default=0)
    derived_mask = models.PositiveBigIntegerField(_("indicators derived from members (bit mask)"), default=0)
    overrides = models.JSONField(
        _("reviewer's overrides"), default=dict, blank=True, help_text=_("{indicator: {value, reason}}")
    )
    deprivation_count = models.PositiveSmallIntegerField(_("number of deprivations"), default=0)
    classification = models.CharField(_("classification"), max_length=12, choices=Classification.choices)
    transition = models.CharField(_("transition"), max_length=24, choices=Transition.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    village_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agreed at the meeting, recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    village_agreed_at = models.DateTimeField(_("agreed at the meeting on"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted on"), null=True, blank=True)
    recognised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recognised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recognised_at = models.DateTimeField(_("recognised on"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("superseded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supersedes",
    )
    submission_key = models.CharField(
        _("submission key"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="Set by the form or the API so a double submission records once.",
    )
    source = models.CharField(
        _("source"), max_length=20, default="form", editable=False
    )  # form, import, api, synthetic
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["household_id", "list_year", "review_date", "id"]
        indexes = [
            models.Index(fields=["household", "status", "list_year"]),
            models.Index(fields=["status", "list_year"]),
        ]
        constraints = [
            # One recognised periodic review per household and list year; a correction supersedes it.
            models.UniqueConstraint(
                fields=["household", "list_year"],
                condition=Q(status="recognised", kind="periodic"),
                name="review_one_recognised_periodic_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household.code} {self.review_date:%d/%m/%Y} {self.classification}"


class ReviewRequest(models.Model):
    """Form 04: a household asks for a regular review (to be recognised poor/near-poor, or as escaped)."""

    class Ask(models.TextChoices):
        ENTER = "enter", _("To be reviewed as poor or near-poor")
        LEAVE = "leave", _("To be recognised as escaped from poverty or near-poverty")

    class Outcome(models.TextChoices):
        OPEN = "", _("Open")
        RECOGNISED = "recognised", _("Recognised")
        REFUSED = "refused", _("Refused, with reasons")

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="review_requests")
    ask = models.CharField(_("request"), max_length=8, choices=Ask.choices)
    received_on = models.DateField(_("received on"))
    review_starts_on = models.DateField(_("review starts on"))
    deadline = models.DateField(_("decision due by"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    review = models.ForeignKey(Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("regular-review request (Form 04)")
        verbose_name_plural = _("regular-review requests (Form 04)")
        ordering = ["-received_on"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.ask} {self.received_on:%d/%m/%Y}"

    @property
    def decided_late(self) -> bool:
        return self.decided_on is not None and self.decided_on > self.deadline


from .models_import import *  # noqa: E402,F401,F403
