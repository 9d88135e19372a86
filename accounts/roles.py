"""Roles are Django groups that say what a user may *do*; the areas a user serves say *where* (accounts.scope).

No Django models here: the group names, each role's home page and its navigation, as URL names (strings), so
accounts never imports the apps above it.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

CADRE = "cadre"
CREDIT_OFFICER = "credit_officer"
GROUP_LEADER = "group_leader"
CHAIRMAN = "chairman"
PROVINCE_OFFICER = "province_officer"

# In order of precedence when a user holds several roles: the first decides the home page.
ROLES = [PROVINCE_OFFICER, CHAIRMAN, CREDIT_OFFICER, CADRE, GROUP_LEADER]

ROLE_LABELS = {
    CADRE: _("Grassroots cadre"),
    CREDIT_OFFICER: _("VBSP credit officer"),
    GROUP_LEADER: _("Savings-and-loan group leader"),
    CHAIRMAN: _("Commune chairman"),
    PROVINCE_OFFICER: _("Provincial coordination office"),
}

ROLE_HOME = {
    CADRE: "fieldwork:home",
    CREDIT_OFFICER: "credit:home",
    GROUP_LEADER: "credit:group_home",
    CHAIRMAN: "risk:commune_overview",
    PROVINCE_OFFICER: "risk:province_overview",
}

# (label, URL name) per role; later parts of the plan add their pages here.
ROLE_NAVIGATION = {
    CADRE: [
        (_("My villages"), "fieldwork:home"),
        (_("Households"), "households:list"),
        (_("Reviews"), "households:workflow"),
    ],
    CREDIT_OFFICER: [
        (_("Portfolio"), "credit:home"),
        (_("Loan applications"), "credit:applications"),
        (_("Savings groups"), "credit:groups"),
        (_("Overdue"), "credit:overdue"),
        (_("Risk debt"), "credit:risk_debt"),
        (_("Loan-use checks"), "credit:use_checks"),
        (_("Loans"), "credit:loans"),
        (_("Areas"), "accounts:areas"),
    ],
    GROUP_LEADER: [(_("My group"), "credit:group_home"), (_("Loan applications"), "credit:applications")],
    CHAIRMAN: [
        (_("Commune overview"), "risk:commune_overview"),
        (_("Households"), "households:list"),
        (_("Reviews"), "households:workflow"),
        (_("Form 04"), "households:requests"),
        (_("Reports"), "households:reports"),
        (_("Import"), "households:import"),
        (_("Debt quality"), "credit:chairman"),
    ],
    PROVINCE_OFFICER: [
        (_("Province overview"), "risk:province_overview"),
        (_("Reports"), "households:reports"),
        (_("Official rates"), "households:rates"),
        (_("Debt quality"), "credit:chairman"),
        (_("Areas"), "accounts:areas"),
    ],
}


def user_roles(user) -> list[str]:
    """The user's roles in precedence order (cached on the user object for the request)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_sinhke_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = [role for role in ROLES if role in names]
        user._sinhke_roles = cached
    return cached


def primary_role(user) -> str | None:
    roles = user_roles(user)
    return roles[0] if roles else None


ERR_ROLE = _("This page is for %(roles)s.")


def has_role(user, *roles: str) -> bool:
    """A superuser, or a user holding at least one of ``roles``."""
    return user.is_superuser or bool(set(roles) & set(user_roles(user)))


def require_role(user, *roles: str, message=None) -> None:
    """Refuse (403) a user none of whose roles may do this, with ``message`` or one naming the roles; the
    object-level 404 comes from the scoped selectors."""
    if not has_role(user, *roles):
        raise PermissionDenied(message or ERR_ROLE % {"roles": ", ".join(str(ROLE_LABELS[r]) for r in roles)})
