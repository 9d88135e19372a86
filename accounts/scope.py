"""Which areas a user serves: the one selector every later selector filters with.

A user sees the records of the villages they serve, of every village of the communes they serve, and of every commune
of the provinces they serve. A grant on a commune also covers the communes that merged into it (their old records
name the old commune). Superusers see everything. A user with no grant sees nothing: every filter below answers
``qs.none()`` for them (fail closed). See docs/adr/0001-scope-by-area.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from areas.models import Commune, Province, Village, lineage_ids


@dataclass(frozen=True)
class Scope:
    unrestricted: bool = False
    province_ids: frozenset[int] = frozenset()
    commune_ids: frozenset[int] = frozenset()  # granted communes and their predecessors
    village_ids: frozenset[int] = frozenset()  # villages granted one by one

    @property
    def is_empty(self) -> bool:
        return not (self.unrestricted or self.province_ids or self.commune_ids or self.village_ids)

    # --- filters for selectors ----------------------------------------------------------------------------------
    def village_q(self, path: str = "village") -> Q:
        """A Q for rows that hang off a village (``path`` is the lookup from the row to its Village)."""
        prefix = f"{path}__" if path else ""
        q = Q(pk__in=[])
        if self.province_ids:
            q |= Q(**{f"{prefix}commune__province_id__in": sorted(self.province_ids)})
        if self.commune_ids:
            q |= Q(**{f"{prefix}commune_id__in": sorted(self.commune_ids)})
        if self.village_ids:
            q |= Q(**{f"{prefix}id__in" if not path else f"{path}_id__in": sorted(self.village_ids)})
        return q

    def commune_q(self, path: str = "commune", *, whole: bool = True) -> Q:
        """A Q for rows that hang off a commune. ``whole=True`` keeps only communes the user serves entirely
        (a cadre serving two villages does not see commune-wide figures); ``whole=False`` also keeps the communes
        of the villages they serve (to show the commune's name beside a village)."""
        prefix = f"{path}__" if path else ""
        own = f"{path}_id__in" if path else "id__in"
        q = Q(pk__in=[])
        if self.province_ids:
            q |= Q(**{f"{prefix}province_id__in": sorted(self.province_ids)})
        if self.commune_ids:
            q |= Q(**{own: sorted(self.commune_ids)})
        if not whole and self.village_ids:
            q |= Q(**{f"{prefix}villages__id__in": sorted(self.village_ids)})
        return q

    def filter_villages(self, qs: QuerySet, path: str = "village") -> QuerySet:
        if self.unrestricted:
            return qs
        if self.is_empty:
            return qs.none()
        return qs.filter(self.village_q(path))

    def filter_communes(self, qs: QuerySet, path: str = "commune", *, whole: bool = True) -> QuerySet:
        if self.unrestricted:
            return qs
        if self.is_empty:
            return qs.none()
        return qs.filter(self.commune_q(path, whole=whole)).distinct() if not whole else qs.filter(self.commune_q(path))

    # --- the areas themselves -----------------------------------------------------------------------------------
    def villages(self) -> QuerySet[Village]:
        return self.filter_villages(Village.objects.select_related("commune__province"), path="")

    def communes(self, *, whole: bool = False) -> QuerySet[Commune]:
        return self.filter_communes(Commune.objects.select_related("province"), path="", whole=whole)

    def provinces(self) -> QuerySet[Province]:
        if self.unrestricted:
            return Province.objects.all()
        return Province.objects.filter(pk__in=sorted(self.province_ids))

    def sees_commune(self, commune: Commune) -> bool:
        """Whether the user serves the whole commune (its figures, its lists)."""
        return self.unrestricted or commune.pk in self.commune_ids or commune.province_id in self.province_ids


EMPTY = Scope()


def user_scope(user) -> Scope:
    """The areas ``user`` serves, computed once per request (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    cached = getattr(user, "_sinhke_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(unrestricted=True)
    else:
        kwargs = {"use_groups": True, "with_superuser": False, "accept_global_perms": False}
        provinces = set(
            get_objects_for_user(user, "areas.serve_province", klass=Province, **kwargs).values_list("pk", flat=True)
        )
        granted = list(
            get_objects_for_user(user, "areas.serve_commune", klass=Commune, **kwargs).values_list("pk", flat=True)
        )
        communes: set[int] = set()
        for pk in granted:
            communes.update(lineage_ids(Commune, pk))
        villages = set(
            get_objects_for_user(user, "areas.serve_village", klass=Village, **kwargs).values_list("pk", flat=True)
        )
        scope = Scope(
            province_ids=frozenset(provinces), commune_ids=frozenset(communes), village_ids=frozenset(villages)
        )
    user._sinhke_scope = scope
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope after a grant changes (services call it)."""
    for attr in ("_sinhke_scope", "_sinhke_roles"):
        if hasattr(user, attr):
            delattr(user, attr)
