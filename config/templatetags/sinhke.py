"""Template filters available in every template (registered as a builtin in settings)."""

from django import template
from django.utils.formats import number_format

from config import numbers

register = template.Library()


@register.filter
def vnd(value) -> str:
    """Whole đồng with grouping in the active language: ``1250000`` → ``1.250.000 ₫`` under ``vi``."""
    if value is None or value == "":
        return ""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number_format(amount, decimal_pos=0, force_grouping=True)} ₫"


@register.filter
def grouped(value) -> str:
    """A whole number with thousand grouping in the active language (counts of households, people)."""
    if value is None or value == "":
        return ""
    return number_format(value, force_grouping=True)


@register.filter
def get_item(mapping, key):
    """``{{ counts|get_item:code }}``: a dict value by a variable key."""
    if mapping is None:
        return None
    return mapping.get(key)


@register.filter
def pct(share) -> str:
    """A share as a percentage in the active language: ``0.1234`` → ``12,3%`` under ``vi``."""
    return numbers.pct(None if share is None or share == "" else float(share))


@register.filter
def points(value) -> str:
    """A change in percentage points with its sign: ``1.25`` → ``+1,25``."""
    return numbers.points(None if value is None or value == "" else float(value))
