"""Scoped reads of the areas a user serves (areas/ sits below accounts and knows nothing of users)."""

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from areas.models import Commune, Village

from .scope import user_scope


def commune_list(*, user) -> QuerySet[Commune]:
    """Communes the user serves wholly or partly, with their village count and the units merged into them."""
    return (
        user_scope(user)
        .communes(whole=False)
        .annotate(village_count=Count("villages", distinct=True))
        .prefetch_related("merged_from")
        .order_by("province__code", "code")
    )


def village_list(*, user, commune: Commune | None = None) -> QuerySet[Village]:
    qs = user_scope(user).villages()
    if commune is not None:
        qs = qs.filter(commune=commune)
    return qs.order_by("commune__code", "code")


def commune_get(*, user, pk: int) -> Commune:
    """A commune the user serves wholly or partly; 404 otherwise (never 403 with its details)."""
    return get_object_or_404(user_scope(user).communes(whole=False), pk=pk)
