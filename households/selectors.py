"""Every read of households and reviews, through the user's scope (accounts.scope)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.roles import CADRE, CHAIRMAN, CREDIT_OFFICER, user_roles
from accounts.scope import user_scope

from .ethnicity import fold
from .models import Household, Member, Review

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
    qs = household_scope(user=user).select_related("village", "commune__province").prefetch_related(
        "members",
        Prefetch("reviews", queryset=Review.objects.select_related("standard").order_by("list_year", "review_date", "id")),
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


def household_history(*, household: Household, limit: int = 50) -> list:
    """Changes to the household, its members and reviews, newest first: who, when, which fields changed.

    Three queries; the changed fields come from comparing each record with the previous one of the same row.
    """
    records = []
    for base, filt in ((Household, {"id": household.pk}), (Member, {"household_id": household.pk}), (Review, {"household_id": household.pk})):
        rows = list(base.history.filter(**filt).select_related("history_user").order_by("id", "history_date")[: limit * 4])
        fields = [f.attname for f in base._meta.concrete_fields if f.attname not in ("version", "updated_at")]
        previous: dict = {}
        for record in rows:
            before = previous.get(record.id)
            record.kind_label = base._meta.verbose_name
            record.changed = (
                [base._meta.get_field(f.removesuffix("_id") if f.endswith("_id") else f).verbose_name for f in fields if getattr(before, f, None) != getattr(record, f, None)]
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
