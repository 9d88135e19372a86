from django.shortcuts import render
from django.utils import timezone

from accounts.middleware import area_safe
from accounts.scope import user_scope
from credit.models import Loan
from credit.selectors import loan_status_counts
from households import selectors as household_selectors

#: Loan statuses a cadre is shown for the households they serve (no amounts: design.md §4).
LOAN_STATUSES = [Loan.Status.REPAYING, Loan.Status.OVERDUE, Loan.Status.EXTENDED, Loan.Status.FROZEN]


@area_safe
def home(request):
    """The cadre's villages with their households, the reviews under way there and the Form 04 requests open, and
    the loan status of the households they serve (counts, no amounts). Assignments and visits join as fieldwork
    lands."""
    user = request.user
    villages = list(user_scope(user).villages().filter(valid_to__isnull=True))
    counts = {row["village_id"]: row for row in household_selectors.village_counts(user=user)}
    rows = [{"village": v, **counts.get(v.pk, {"households": 0, "poor": 0, "near_poor": 0})} for v in villages]
    by_status = loan_status_counts(user=user, statuses=LOAN_STATUSES)
    loans = [(Loan.Status(s).label, s, by_status.get(s, 0)) for s in LOAN_STATUSES]
    context = {
        "rows": rows,
        "pending": household_selectors.workflow_counts(user=user),
        "requests": household_selectors.review_request_summary(user=user, today=timezone.localdate()),
        "loans": loans if any(by_status.values()) else [],
    }
    return render(request, "fieldwork/home.html", context)
