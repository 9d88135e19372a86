from django.shortcuts import render

from accounts.middleware import area_safe
from accounts.scope import user_scope
from households import selectors as household_selectors


@area_safe
def home(request):
    """The cadre's villages with their households. Assignments and visits join as fieldwork lands."""
    villages = list(user_scope(request.user).villages().filter(valid_to__isnull=True))
    counts = {row["village_id"]: row for row in household_selectors.village_counts(user=request.user)}
    rows = [{"village": v, **counts.get(v.pk, {"households": 0, "poor": 0, "near_poor": 0})} for v in villages]
    return render(request, "fieldwork/home.html", {"rows": rows})
