"""Writes to accounts: roles and area grants. Every function is keyword-only and records who did it."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from areas.models import Commune, Province, Village

from .models import User
from .roles import ROLES
from .scope import forget_scope

ERR_UNKNOWN_ROLE = _("Unknown role %(role)s.")
ERR_NOT_AN_AREA = _("Only a province, a commune or a village can be granted.")

SERVE_PERMISSION = {Province: "areas.serve_province", Commune: "areas.serve_commune", Village: "areas.serve_village"}


def roles_ensure() -> dict[str, Group]:
    """The role groups exist (idempotent; migrations and the demo call it)."""
    return {role: Group.objects.get_or_create(name=role)[0] for role in ROLES}


@transaction.atomic
def user_roles_set(*, user: User, roles: list[str], by: User | None = None) -> None:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValidationError(ERR_UNKNOWN_ROLE % {"role": ", ".join(unknown)}, code="unknown_role")
    groups = roles_ensure()
    user.groups.remove(*[g for name, g in groups.items() if name not in roles])
    user.groups.add(*[groups[r] for r in roles])
    forget_scope(user)


def _permission_for(area) -> str:
    for model, perm in SERVE_PERMISSION.items():
        if isinstance(area, model):
            return perm
    raise ValidationError(ERR_NOT_AN_AREA, code="not_an_area")


@transaction.atomic
def user_area_grant(*, user: User, area: Province | Commune | Village, by: User | None = None) -> None:
    """Let ``user`` serve ``area`` (and so see its records)."""
    assign_perm(_permission_for(area), user, area)
    forget_scope(user)


@transaction.atomic
def user_area_revoke(*, user: User, area: Province | Commune | Village, by: User | None = None) -> None:
    remove_perm(_permission_for(area), user, area)
    forget_scope(user)
