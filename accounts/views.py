from django.contrib.auth import views as auth_views
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.i18n import set_language as django_set_language

from . import selectors
from .middleware import area_safe, public
from .roles import ROLE_HOME, primary_role
from .scope import user_scope


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    sinhke_public = True


class LogoutView(auth_views.LogoutView):
    sinhke_public = True


set_language = public(django_set_language)


@area_safe
def home(request):
    """Send each user to their role's home page, or say why there is nothing to show."""
    user = request.user
    if user.is_superuser:
        return redirect("admin:index")
    role = primary_role(user)
    if role is None:
        return render(request, "accounts/no_role.html", status=200)
    if user_scope(user).is_empty:
        return render(request, "accounts/no_area.html", status=200)
    return redirect(ROLE_HOME[role])


@public
@requires_csrf_token
def error_403(request, exception=None):
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"reason": reason}, status=403)


@public
@requires_csrf_token
def error_404(request, exception=None):
    return render(request, "404.html", status=404)


@public
@requires_csrf_token
def error_500(request):
    return HttpResponseServerError(loader.get_template("500.html").render())


@area_safe
def areas(request):
    """The communes and villages the user serves, with the units merged into each commune in July 2025."""
    communes = list(selectors.commune_list(user=request.user))
    villages = list(selectors.village_list(user=request.user))
    by_commune: dict[int, list] = {}
    for village in villages:
        by_commune.setdefault(village.commune_id, []).append(village)
    rows = [{"commune": c, "villages": by_commune.get(c.pk, [])} for c in communes]
    return render(request, "accounts/areas.html", {"rows": rows})
