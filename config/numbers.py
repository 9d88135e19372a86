"""Numbers for people, in the active language: rounded half up (Django's number_format truncates), shares as
percentages, changes in percentage points with their sign. Used by the report pages and the template filters."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format


def number(value: float, decimals: int) -> str:
    """``value`` rounded half up to ``decimals`` places, with grouping, in the active language."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return number_format(rounded, decimal_pos=decimals, force_grouping=True)


def pct(share: float | None, decimals: int = 1) -> str:
    """A share as a percentage: ``0.1234`` → ``12,3%`` under ``vi``; ``–`` for None."""
    if share is None:
        return "–"
    return f"{number(share * 100, decimals)}%"


def points(value: float | None) -> str:
    """A change in percentage points with its sign (``+1,25``), no sign when it rounds to zero; ``–`` for None."""
    if value is None:
        return "–"
    text = number(abs(value), 2)
    if text.strip("0,.") == "":
        return text
    return ("+" if value > 0 else "-") + text
