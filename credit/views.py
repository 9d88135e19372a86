from django.shortcuts import render

from accounts.middleware import area_safe
from accounts.scope import user_scope


@area_safe
def home(request):
    """The credit officer's portfolio of the communes served. Loans join with issue [3/7]."""
    communes = list(user_scope(request.user).communes(whole=True))
    return render(request, "credit/home.html", {"communes": communes})


@area_safe
def group_home(request):
    """The group leader's group this month. Groups and loans join with issue [3/7]."""
    villages = list(user_scope(request.user).villages())
    return render(request, "credit/group_home.html", {"villages": villages})
