"""Every read of households and reviews, through the user's scope (accounts.scope)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import CADRE, CHAIRMAN, CREDIT_OFFICER, user_roles
from accounts.scope import user_scope

from .ethnicity import fold
from .models import Household, Member, Review
from .transitions import newly_escaped

# Roles that see a member's full national ID number; the others see its last 4 digits (design.md §4).
NATIONAL_ID_ROLES = {CHAIRMAN, CADRE, CREDIT_OFFICER}


def can_see_national_id(user) -> bool:
    return user.is_superuser or bool(NATIONAL_ID_ROLES & set(user_roles(user)))


def household_scope(*, user) -> QuerySet[Household]:
    return user_scope(user).filter_villages(Household.objects.all(), path="village")


def household_list(
    *,
    user,
    q: str = "",
    village: int | None = None,
    classification: str = "",
    transition: str = "",
) -> QuerySet[Household]:
    """Households the user serves, searchable by name without diacritics or case, household code or national ID."""
    qs = household_scope(user=user).select_related("village", "commune")
    q = (q or "").strip()
    if q:
        folded = fold(q)
        condition = Q(head_name_folded__contains=folded) | Q(code__iexact=q)
        member_match = Member.objects.filter(household=OuterRef("pk"))
        if q.isdigit() and len(q) == 12:
            condition |= Exists(member_match.filter(national_id=q))
        else:
            condition |= Exists(member_match.filter(full_name_folded__contains=folded))
        qs = qs.filter(condition)
    if village:
        qs = qs.filter(village_id=village)
    if classification:
        qs = qs.filter(latest_classification=classification)
    if transition:
        qs = qs.filter(latest_transition=transition)
    return qs.order_by("village__code", "code")


def household_get(*, user, pk: int) -> Household:
    """A household the user serves, with its members and reviews; 404 when outside their scope."""
    qs = (
        household_scope(user=user)
        .select_related("village", "commune__province")
        .prefetch_related(
            "members",
            Prefetch(
                "reviews", queryset=Review.objects.select_related("standard").order_by("list_year", "review_date", "id")
            ),
        )
    )
    return get_object_or_404(qs, pk=pk)


def review_list(*, user, household: Household | None = None) -> QuerySet[Review]:
    qs = user_scope(user).filter_villages(Review.objects.all(), path="household__village")
    if household is not None:
        qs = qs.filter(household=household)
    return qs.select_related("household", "standard").order_by("household_id", "list_year", "review_date", "id")


def review_workflow_list(*, user, status: str) -> QuerySet[Review]:
    """Reviews at one step of the workflow in the villages the user serves (the chairman: the whole commune)."""
    qs = user_scope(user).filter_villages(Review.objects.filter(status=status), path="household__village")
    return qs.select_related("household__village", "standard").order_by("household__village__code", "household__code")


HISTORY_ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


def household_history(*, household: Household, limit: int = 50) -> list:
    """Changes to the household, its members and reviews, newest first: who, when, which fields changed.

    Three queries; the changed fields come from comparing each record with the previous one of the same row.
    """
    records = []
    for base, filt in (
        (Household, {"id": household.pk}),
        (Member, {"household_id": household.pk}),
        (Review, {"household_id": household.pk}),
    ):
        rows = list(
            base.history.filter(**filt).select_related("history_user").order_by("id", "history_date")[: limit * 4]
        )
        fields = [f.attname for f in base._meta.concrete_fields if f.attname not in ("version", "updated_at")]
        previous: dict = {}
        for record in rows:
            before = previous.get(record.id)
            record.kind_label = base._meta.verbose_name
            record.action_label = HISTORY_ACTIONS.get(record.history_type, record.history_type)
            record.changed = (
                [
                    base._meta.get_field(f.removesuffix("_id") if f.endswith("_id") else f).verbose_name
                    for f in fields
                    if getattr(before, f, None) != getattr(record, f, None)
                ]
                if before is not None
                else []
            )
            previous[record.id] = record
        records.extend(rows)
    records.sort(key=lambda r: r.history_date, reverse=True)
    return records[:limit]


def classification_counts(*, user) -> dict[str, int]:
    """Households by latest recognised classification, in the communes the user serves wholly."""
    from django.db.models import Count

    qs = user_scope(user).filter_communes(Household.objects.all(), path="commune")
    rows = qs.values("latest_classification").annotate(n=Count("id"))
    counts = {r["latest_classification"] or "unreviewed": r["n"] for r in rows}
    counts["total"] = sum(r["n"] for r in rows)
    return counts


def workflow_counts(*, user) -> dict[str, int]:
    """Reviews waiting at each step, in the villages the user serves."""
    from django.db.models import Count

    qs = user_scope(user).filter_villages(
        Review.objects.exclude(status__in=["recognised", "superseded"]), path="household__village"
    )
    return {r["status"]: r["n"] for r in qs.values("status").annotate(n=Count("id"))}


def effective_date(review: Review) -> date:
    """When a recognised review's list takes effect: 1 January of its list year for a periodic review, else the
    recognition date (or the review date when the recognition date is unknown)."""
    if review.kind == Review.Kind.PERIODIC:
        return date(review.list_year, 1, 1)
    return timezone.localdate(review.recognised_at) if review.recognised_at else review.review_date


@dataclass(frozen=True)
class RecognisedStatus:
    classification: str  # the latest recognised classification on the date, "" when none
    list_year: int | None
    newly_escaped: bool  # off the poor/near-poor list at most 3 years (VBSP "hộ mới thoát nghèo")


def recognised_status(*, household_ids, on: date) -> dict[int, RecognisedStatus]:
    """The recognised status of each household on a date, for credit eligibility and risk features (one query)."""
    rows = (
        Review.objects.filter(household_id__in=list(household_ids), status=Review.Status.RECOGNISED)
        .only("household_id", "kind", "list_year", "review_date", "recognised_at", "classification")
        .order_by("household_id", "list_year", "review_date", "id")
    )
    histories: dict[int, list[tuple[date, str, int]]] = {}
    for r in rows:
        histories.setdefault(r.household_id, []).append((effective_date(r), r.classification, r.list_year))
    result = {}
    for pk in household_ids:
        known = [(d, c, y) for d, c, y in histories.get(pk, []) if d <= on]
        known.sort(key=lambda t: t[0])
        if not known:
            result[pk] = RecognisedStatus("", None, False)
            continue
        result[pk] = RecognisedStatus(
            classification=known[-1][1],
            list_year=known[-1][2],
            newly_escaped=newly_escaped([(d, c) for d, c, _y in known], on),
        )
    return result


def review_request_list(*, user):
    """Form 04 requests of the households the user serves, newest first."""
    from .models import ReviewRequest

    qs = user_scope(user).filter_villages(ReviewRequest.objects.all(), path="household__village")
    return qs.select_related("household__village").order_by("-received_on", "-id")


def review_request_summary(*, user, today: date) -> dict[str, int]:
    """Open requests, those past their deadline, and those decided late (one query)."""
    from django.db.models import Count, F, Q

    qs = review_request_list(user=user).order_by()
    return qs.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(decided_on__isnull=True)),
        overdue=Count("id", filter=Q(decided_on__isnull=True, deadline__lt=today)),
        decided_late=Count("id", filter=Q(decided_on__gt=F("deadline"))),
    )


def village_counts(*, user) -> list[dict]:
    """Per village the user serves: households, and how many are poor / near-poor on the latest list (one query)."""
    from django.db.models import Count, Q

    qs = household_scope(user=user).values("village_id", "village__name", "village__commune__name")
    rows = qs.annotate(
        households=Count("id"),
        poor=Count("id", filter=Q(latest_classification="poor")),
        near_poor=Count("id", filter=Q(latest_classification="near_poor")),
    ).order_by("village__code")
    return list(rows)
