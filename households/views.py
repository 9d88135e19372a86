from django.shortcuts import render

from accounts.middleware import area_safe
from accounts.scope import user_scope


@area_safe
def chairman_home(request):
    """The commune at a glance. Reviews, risk and credit parts join as their issues land."""
    scope = user_scope(request.user)
    communes = list(scope.communes(whole=True))
    return render(request, "households/chairman_home.html", {"communes": communes})


@area_safe
def province_home(request):
    scope = user_scope(request.user)
    provinces = list(scope.provinces())
    communes = list(scope.communes(whole=True).select_related("merged_into"))
    return render(request, "households/province_home.html", {"provinces": provinces, "communes": communes})
