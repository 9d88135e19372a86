"""Every write to households, members and reviews. Keyword-only, atomic, records who did it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from areas.models import Commune, Village

from . import poverty
from .derivation import MemberFacts, derive_indicators
from .ethnicity import fold
from .models import Household, Indicator, Member, PovertyStandard, Review, ReviewRequest
from .national_id import national_id_problem
from .standards_data import Standard
from .transitions import transition

ERR_CONFLICT = _(
    "Someone else changed this record since you opened it. Your change was not saved: reload the page, check their "
    "change, and make yours again."
)
ERR_VILLAGE_NOT_IN_COMMUNE = _("Village %(village)s is not in commune %(commune)s.")
ERR_NO_STANDARD = _("No poverty standard covers %(date)s.")
ERR_INDICATOR_NOT_IN_STANDARD = _("Indicator %(code)s is not part of the standard %(standard)s.")
ERR_UNKNOWN_INDICATOR = _("Unknown indicator %(code)s.")
ERR_OVERRIDE_NEEDS_REASON = _("Changing the indicator %(code)s from what the member records say needs a reason.")
ERR_NATIONAL_ID = _("National ID number %(value)s: %(reason)s.")
ERR_NATIONAL_ID_TAKEN = _("National ID number %(value)s already belongs to another person.")
ERR_BAD_STEP = _("A review with status %(status)s cannot move to %(to)s.")
ERR_RECOGNISED_IS_FINAL = _("A recognised review is never edited; record a new review that supersedes it.")
ERR_NEGATIVE_INCOME = _("Income per person cannot be negative.")
ERR_FUTURE_DATE = _("The review date %(date)s is in the future.")
ERR_REFUSAL_NEEDS_REASON = _("A refusal must give the household its reasons in writing.")

# The reasons households.national_id gives (pure, untranslated there), listed here for translation.
NATIONAL_ID_PROBLEMS = [
    gettext_noop("must be exactly 12 digits"),
    gettext_noop("the first three digits are not a province code"),
    gettext_noop("digits 4-6 do not match the year of birth"),
    gettext_noop("digit 4 does not match the sex"),
]

NEXT_STATUS = {
    Review.Status.DRAFT: Review.Status.VILLAGE_AGREED,
    Review.Status.VILLAGE_AGREED: Review.Status.POSTED,
    Review.Status.POSTED: Review.Status.RECOGNISED,
}
REGULAR_REVIEW_DAY = 15  # regular reviews start on the 15th of each month (Decision 24/2021, Art. 5)
REGULAR_DECISION_DAYS = 15  # the chairman decides within 15 days of the start


# --- standards --------------------------------------------------------------------------------------------------
def standard_as_pure(row: PovertyStandard, indicator_codes: list[str] | None = None) -> Standard:
    """The database row as the pure core's Standard (one source: the seed loaded the rows from the same data)."""
    codes = indicator_codes if indicator_codes is not None else [i.code for i in row.indicators.all()]
    return Standard(
        code=row.code,
        name_vi=row.name_vi,
        legal_basis=row.legal_basis,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        province_code=row.province.code if row.province_id else None,
        income_line={"rural": row.rural_income_line, "urban": row.urban_income_line},
        average_upper={"rural": row.rural_average_upper, "urban": row.urban_average_upper},
        min_deprivations_poor=row.min_deprivations_poor,
        indicators=tuple(codes),
        provisional=frozenset(p.strip() for p in row.provisional.split(",") if p.strip()),
    )


@dataclass
class StandardBook:
    """The standards and indicators of the database, loaded once (3 queries) for a form or a whole import."""

    rows: dict[int, PovertyStandard]
    pure: dict[int, Standard]
    indicator_bits: dict[str, int]

    @classmethod
    def load(cls) -> StandardBook:
        rows = {s.pk: s for s in PovertyStandard.objects.select_related("province").prefetch_related("indicators")}
        pure = {pk: standard_as_pure(row) for pk, row in rows.items()}
        bits = dict(Indicator.objects.values_list("code", "bit"))
        return cls(rows=rows, pure=pure, indicator_bits=bits)

    def for_review(
        self, review_date: date, kind: str, province_code: str | None = None
    ) -> tuple[PovertyStandard, Standard]:
        try:
            std = poverty.standard_for_review(
                review_date, kind, standards=list(self.pure.values()), province_code=province_code
            )
        except ValueError as exc:
            raise ValidationError(
                ERR_NO_STANDARD % {"date": review_date.strftime("%d/%m/%Y")}, code="no_standard"
            ) from exc
        pk = next(pk for pk, s in self.pure.items() if s is std)
        return self.rows[pk], std

    def mask(self, codes) -> int:
        value = 0
        for code in codes:
            value |= 1 << self.indicator_bits[code]
        return value

    def codes(self, mask: int) -> list[str]:
        return [code for code, bit in sorted(self.indicator_bits.items(), key=lambda kv: kv[1]) if mask >> bit & 1]


# --- households and members -------------------------------------------------------------------------------------
def _check_village(commune: Commune, village: Village) -> None:
    if village.commune_id != commune.pk:
        raise ValidationError(
            {"village": ERR_VILLAGE_NOT_IN_COMMUNE % {"village": village.code, "commune": commune.code}},
            code="village_not_in_commune",
        )


@transaction.atomic
def household_create(
    *,
    commune: Commune,
    village: Village,
    code: str,
    head_name: str,
    head_ethnicity: str = "01",
    area_type: str | None = None,
    size: int = 1,
    address: str = "",
    by=None,
) -> Household:
    _check_village(commune, village)
    household = Household(
        commune=commune,
        village=village,
        code=code.strip(),
        head_name=head_name.strip(),
        head_name_folded=fold(head_name),
        head_ethnicity=head_ethnicity,
        area_type=area_type or commune.area_type,
        size=size,
        address=address,
    )
    household._history_user = by
    household.full_clean()
    household.save()
    return household


EDITABLE_HOUSEHOLD_FIELDS = {"village", "address", "head_name", "head_ethnicity", "area_type", "size"}


@transaction.atomic
def household_update(*, household: Household, expected_version: int, by=None, **changes) -> Household:
    """Change a household; refused (not lost) when someone else saved it since ``expected_version``."""
    unknown = set(changes) - EDITABLE_HOUSEHOLD_FIELDS
    if unknown:
        raise TypeError(f"not editable here: {sorted(unknown)}")
    locked = Household.objects.select_for_update().get(pk=household.pk)
    if locked.version != expected_version:
        raise ValidationError(ERR_CONFLICT, code="conflict")
    if "village" in changes:
        _check_village(locked.commune, changes["village"])
    for name, value in changes.items():
        setattr(locked, name, value)
    if "head_name" in changes:
        locked.head_name_folded = fold(locked.head_name)
    locked.version = expected_version + 1
    locked._history_user = by
    locked.full_clean()
    locked.save(update_fields=[*changes, "head_name_folded", "version", "updated_at"])
    return locked


def national_id_check(value: str, *, birth_date: date | None, sex: str | None, member_pk: int | None = None) -> None:
    if not value:
        return
    problem = national_id_problem(value, birth_date=birth_date, sex=sex)
    if problem:
        raise ValidationError(
            {"national_id": ERR_NATIONAL_ID % {"value": value, "reason": _(problem)}}, code="national_id"
        )
    if Member.objects.filter(national_id=value).exclude(pk=member_pk).exists():
        raise ValidationError({"national_id": ERR_NATIONAL_ID_TAKEN % {"value": value}}, code="national_id_taken")


def household_flags_refresh(*, household: Household) -> None:
    """Recompute the flags that member records decide (female head, a member with a disability)."""
    members = list(household.members.all())
    head = next((m for m in members if m.relation == Member.Relation.HEAD), None)
    female = head is not None and head.sex == Member.Sex.FEMALE
    disabled = any(m.has_disability for m in members)
    if (female, disabled) != (household.female_headed, household.has_disabled_member):
        Household.objects.filter(pk=household.pk).update(female_headed=female, has_disabled_member=disabled)
        household.female_headed, household.has_disabled_member = female, disabled


@transaction.atomic
def member_add(*, household: Household, by=None, **fields) -> Member:
    national_id_check(fields.get("national_id", ""), birth_date=fields.get("birth_date"), sex=fields.get("sex"))
    member = Member(household=household, **fields)
    member.full_name_folded = fold(member.full_name)
    member._history_user = by
    member.full_clean(exclude=["national_id"])
    member.save()
    household_flags_refresh(household=household)
    return member


# --- reviews ----------------------------------------------------------------------------------------------------
def member_facts(household: Household) -> list[MemberFacts]:
    return [
        MemberFacts(
            birth_date=m.birth_date,
            has_health_insurance=m.has_health_insurance,
            schooling=m.schooling,
            education=m.education,
            in_training=m.in_training,
            employment=m.employment,
        )
        for m in household.members.all()
    ]


@dataclass(frozen=True)
class ReviewComputation:
    standard: PovertyStandard
    list_year: int
    deprived: frozenset[str]
    derived: dict[str, bool]
    overrides: dict[str, dict]
    classification: str


def review_compute(
    *,
    household: Household,
    review_date: date,
    kind: str,
    income_per_capita: int,
    deprived: set[str],
    overrides: dict[str, str] | None = None,
    members: list[MemberFacts] | None = None,
    book: StandardBook | None = None,
) -> ReviewComputation:
    """Classify a review without saving it (the form's "check your answers" page uses this too).

    ``deprived`` is what the reviewer ticked; for member-derived indicators the records decide unless the reviewer
    changed the value and gave a reason in ``overrides`` ({code: reason}).
    """
    book = book or StandardBook.load()
    if income_per_capita < 0:
        raise ValidationError({"income_per_capita": ERR_NEGATIVE_INCOME}, code="negative_income")
    province_code = household.commune.province.code if household.commune_id else None
    row, std = book.for_review(review_date, kind, province_code)
    for code in deprived:
        if code not in book.indicator_bits:
            raise ValidationError(ERR_UNKNOWN_INDICATOR % {"code": code}, code="unknown_indicator")
        if code not in std.indicators:
            raise ValidationError(
                ERR_INDICATOR_NOT_IN_STANDARD % {"code": code, "standard": std.code}, code="indicator_not_in_standard"
            )
    overrides = overrides or {}
    derived = derive_indicators(members if members is not None else member_facts(household), review_date)
    derived = {code: value for code, value in derived.items() if code in std.indicators}
    final = set(deprived)
    kept_overrides: dict[str, dict] = {}
    for code, value in derived.items():
        ticked = code in deprived
        if ticked == value:
            continue
        reason = (overrides.get(code) or "").strip()
        if not reason:
            raise ValidationError({code: ERR_OVERRIDE_NEEDS_REASON % {"code": code}}, code="override_needs_reason")
        kept_overrides[code] = {"value": ticked, "derived": value, "reason": reason}
    classification = poverty.classify(
        std, area=household.area_type, income_per_capita=income_per_capita, deprived=final
    )
    return ReviewComputation(
        standard=row,
        list_year=poverty.list_year_for_review(review_date, kind),
        deprived=frozenset(final),
        derived=derived,
        overrides=kept_overrides,
        classification=classification,
    )


@transaction.atomic
def review_record(
    *,
    household: Household,
    review_date: date,
    kind: str = Review.Kind.PERIODIC,
    income_per_capita: int,
    household_size: int | None = None,
    deprived: set[str],
    overrides: dict[str, str] | None = None,
    by=None,
    book: StandardBook | None = None,
    submission_key: str | None = None,
    source: str = "form",
) -> Review:
    """Record a review as a draft; it goes through the village meeting, posting and recognition.

    With a ``submission_key`` (the form's or API client's token) a second submission returns the first review.
    """
    if submission_key:
        existing = Review.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    if review_date > timezone.localdate():
        raise ValidationError({"review_date": ERR_FUTURE_DATE % {"date": review_date.strftime("%d/%m/%Y")}})
    book = book or StandardBook.load()
    c = review_compute(
        household=household,
        review_date=review_date,
        kind=kind,
        income_per_capita=income_per_capita,
        deprived=deprived,
        overrides=overrides,
        book=book,
    )
    review = Review(
        household=household,
        kind=kind,
        review_date=review_date,
        list_year=c.list_year,
        standard=c.standard,
        income_per_capita=income_per_capita,
        household_size=household_size or household.size,
        deprived_mask=book.mask(c.deprived),
        derived_mask=book.mask(code for code, value in c.derived.items() if value),
        overrides=c.overrides,
        deprivation_count=len(c.deprived),
        classification=c.classification,
        reviewer=by,
        submission_key=submission_key or None,
        source=source,
    )
    review._history_user = by
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        if submission_key:  # the same submission, raced in from another request
            return Review.objects.get(submission_key=submission_key)
        raise
    return review


def _history_of(household: Household) -> list[Review]:
    return list(
        Review.objects.filter(household=household, status=Review.Status.RECOGNISED).order_by(
            "list_year", "review_date", "id"
        )
    )


@transaction.atomic
def review_advance(*, review: Review, to: str, by, expected_version: int | None = None) -> Review:
    """Move a review one step: draft → village_agreed → posted → recognised (the chairman's decision)."""
    locked = Review.objects.select_for_update().select_related("household").get(pk=review.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(ERR_CONFLICT, code="conflict")
    if NEXT_STATUS.get(locked.status) != to:
        raise ValidationError(ERR_BAD_STEP % {"status": locked.status, "to": to}, code="bad_step")
    now = timezone.now()
    locked.status = to
    fields = ["status", "version"]
    if to == Review.Status.VILLAGE_AGREED:
        locked.village_agreed_by, locked.village_agreed_at = by, now
        fields += ["village_agreed_by", "village_agreed_at"]
    elif to == Review.Status.POSTED:
        locked.posted_by, locked.posted_at = by, now
        fields += ["posted_by", "posted_at"]
    elif to == Review.Status.RECOGNISED:
        locked.recognised_by, locked.recognised_at = by, now
        fields += ["recognised_by", "recognised_at", "transition"]
        _recognise(locked, by=by)
    locked.version += 1
    locked._history_user = by
    locked.save(update_fields=fields)
    return locked


def _recognise(review: Review, *, by) -> None:
    household = Household.objects.select_for_update().get(pk=review.household_id)
    if review.kind == Review.Kind.PERIODIC:
        for old in Review.objects.select_for_update().filter(
            household=household, list_year=review.list_year, kind=Review.Kind.PERIODIC, status=Review.Status.RECOGNISED
        ):
            old.status = Review.Status.SUPERSEDED
            old.superseded_by = review
            old._history_user = by
            old.save(update_fields=["status", "superseded_by"])
    history = [
        r
        for r in _history_of(household)
        if (r.list_year, r.review_date, r.pk) < (review.list_year, review.review_date, review.pk or 0)
    ]
    review.transition = transition([r.classification for r in history] + [review.classification])
    latest = max([*history, review], key=lambda r: (r.list_year, r.review_date, r.pk or 0))
    Household.objects.filter(pk=household.pk).update(
        latest_classification=latest.classification,
        latest_transition=latest.transition if latest is review else F("latest_transition"),
        latest_list_year=latest.list_year,
    )


# --- Form 04 requests -------------------------------------------------------------------------------------------
def regular_review_start(received_on: date) -> date:
    """The regular review that handles a request received on ``received_on``: the next 15th (that day included)."""
    if received_on.day <= REGULAR_REVIEW_DAY:
        return received_on.replace(day=REGULAR_REVIEW_DAY)
    month = received_on.month % 12 + 1
    year = received_on.year + (received_on.month == 12)
    return date(year, month, REGULAR_REVIEW_DAY)


@transaction.atomic
def review_request_receive(*, household: Household, ask: str, received_on: date, by=None) -> ReviewRequest:
    starts = regular_review_start(received_on)
    request = ReviewRequest(
        household=household,
        ask=ask,
        received_on=received_on,
        review_starts_on=starts,
        deadline=starts + timedelta(days=REGULAR_DECISION_DAYS),
        received_by=by,
    )
    request._history_user = by
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def review_request_decide(
    *, request: ReviewRequest, outcome: str, decided_on: date, reason: str = "", review: Review | None = None, by=None
) -> ReviewRequest:
    if outcome == ReviewRequest.Outcome.REFUSED and not reason.strip():
        raise ValidationError({"reason": ERR_REFUSAL_NEEDS_REASON}, code="refusal_needs_reason")
    request.outcome, request.decided_on, request.reason, request.review = outcome, decided_on, reason.strip(), review
    request._history_user = by
    request.save(update_fields=["outcome", "decided_on", "reason", "review"])
    return request
