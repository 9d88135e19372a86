from django.shortcuts import render

from accounts.middleware import area_safe
from accounts.scope import user_scope


@area_safe
def home(request):
    """The cadre's villages. Assigned households and visits join as fieldwork lands."""
    villages = list(user_scope(request.user).villages())
    return render(request, "fieldwork/home.html", {"villages": villages})
