"""Year-on-year transitions and the "newly escaped" status (domain.md §9.2). Pure Python: no Django import.

A household's history is its recognised reviews, oldest first. Its first recorded review is the baseline and has no
transition: "newly poor" needs a previous review that was not poor.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

POOR, NEAR_POOR, AVERAGE, NON_POOR = "poor", "near_poor", "average", "non_poor"
ON_LIST = frozenset({POOR, NEAR_POOR})
NEWLY_ESCAPED_YEARS = 3  # VBSP "newly escaped" window (Decision 28/2015/QĐ-TTg; domain.md §2.7)


def transition(history: Sequence[str]) -> str:
    """The transition of the last classification in ``history`` against the ones before it ("" when none).

    - ``escaped``: poor → near_poor / average / non_poor
    - ``escaped_near_poor``: near_poor → average / non_poor
    - ``fell_back``: poor now, not poor at the previous review, poor at some earlier one
    - ``newly_poor``: poor now, never poor before
    - ``fell_back_near_poor`` / ``newly_near_poor``: the same for near_poor, when the previous was neither poor nor
      near-poor (poor → near-poor is an escape from poverty, not a new near-poor household)
    """
    for value in history:
        if value not in (POOR, NEAR_POOR, AVERAGE, NON_POOR):
            raise ValueError(f"unknown classification {value!r}")
    if len(history) < 2:
        return ""
    *earlier, previous, current = history
    before = [*earlier, previous]
    if previous == current:
        return ""
    if previous == POOR:
        return "escaped"
    if previous == NEAR_POOR and current in (AVERAGE, NON_POOR):
        return "escaped_near_poor"
    if current == POOR:
        return "fell_back" if POOR in earlier else "newly_poor"
    if current == NEAR_POOR and previous not in ON_LIST:
        return "fell_back_near_poor" if NEAR_POOR in before else "newly_near_poor"
    return ""


def newly_escaped(history: Sequence[tuple[date, str]], on: date, years: int = NEWLY_ESCAPED_YEARS) -> bool:
    """Whether the household left the poor or near-poor list at most ``years`` years before ``on``.

    ``history`` holds (effective date, classification) of recognised reviews, oldest first; the effective date of a
    periodic review is 1 January of the year whose list it sets, of a regular review its recognition date. The
    household must be off the list now and have been on it at some earlier review.
    """
    known = [(d, c) for d, c in history if d <= on]
    if not known or known[-1][1] in ON_LIST:
        return False
    left_on = None
    for (_d_prev, c_prev), (d, c) in zip(known, known[1:], strict=False):
        if c_prev in ON_LIST and c not in ON_LIST:
            left_on = d
    if left_on is None:
        return False
    try:
        limit = left_on.replace(year=left_on.year + years)
    except ValueError:  # 29 February
        limit = left_on.replace(year=left_on.year + years, day=28)
    return on <= limit
