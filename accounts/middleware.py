"""Scope fails closed (after CommCare HQ's ``location_safe``).

Every non-superuser is restricted to the areas they serve. A view they may reach must be declared area-safe, meaning
it filters everything through :func:`accounts.scope.user_scope`, with the :func:`area_safe` decorator or the
:class:`AreaSafeMixin` / ``area_safe = True`` attribute (class-based views and DRF views). Pages with no data
(login, language) are declared :func:`public`. Anything undeclared answers 403 to restricted users, so a forgotten
view cannot leak; superusers (the administrators) pass.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .scope import user_scope

ERR_NOT_AREA_SAFE = _("This page is not open to your role.")


def public(view: Callable) -> Callable:
    """Declare a view that shows no household, credit or area data (login, language switch, API schema)."""
    view.sinhke_public = True
    return view


def area_safe(view: Callable) -> Callable:
    """Declare a function view area-safe; it also requires login. The view must read through scoped selectors."""
    from django.contrib.auth.decorators import login_required

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    wrapped = login_required(wrapper)
    wrapped.area_safe = True
    return wrapped


class AreaSafeMixin(LoginRequiredMixin):
    """For class-based pages: login required, declared area-safe, ``self.scope`` is the user's scope."""

    area_safe = True

    @property
    def scope(self):
        return user_scope(self.request.user)


def _declared(view: Callable, flag: str) -> bool:
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        if candidate is not None and getattr(candidate, flag, False):
            return True
    return False


class AreaAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _declared(view_func, "sinhke_public"):
            return None
        user = request.user
        safe = _declared(view_func, "area_safe")
        if not user.is_authenticated:
            if safe or request.path.startswith("/api/"):
                return None  # the view or DRF asks for credentials itself
            match = getattr(request, "resolver_match", None)
            if match is not None and match.namespace == "admin":
                return None  # the admin has its own login
            return redirect_to_login(request.get_full_path())
        if user.is_superuser or safe:
            return None
        raise PermissionDenied(ERR_NOT_AREA_SAFE)
