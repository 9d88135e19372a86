"""The generated rates read back from the database (``synth --report``): what is stored, not what was planned."""

from __future__ import annotations

import numpy as np

from households.models import Review
from households.transitions import POOR

from . import generator as G
from . import rates as R
from .areas import PROVINCE_CODE


def stored_rates(province_code: str = PROVINCE_CODE) -> dict:
    """Rates by list year and ethnicity over the recognised periodic reviews of the synthetic province."""
    rows = (
        Review.objects.filter(
            household__commune__province__code=province_code, status=Review.Status.RECOGNISED, kind=Review.Kind.PERIODIC
        )
        .order_by()
        .values_list("household_id", "list_year", "classification", "transition", "household__head_ethnicity")
    )
    data = list(rows.iterator(chunk_size=50_000))
    if not data:
        return {}
    household, year, classification, transition, ethnicity = zip(*data, strict=True)
    household = np.array(household)
    year = np.array(year)
    years = sorted(set(year.tolist()))
    ids, row = np.unique(household, return_inverse=True)
    column = np.searchsorted(np.array(years), year)
    cls = np.full((len(ids), len(years)), 3, dtype=np.int8)  # a household not reviewed in a year counts as non-poor
    trans = np.zeros((len(ids), len(years)), dtype=np.int8)
    cls[row, column] = [G.CLASSIFICATIONS.index(c) for c in classification]
    trans[row, column] = [G.TRANSITIONS.index(t) for t in transition]
    minority = np.zeros(len(ids), dtype=bool)
    minority[row] = np.array([e != "01" for e in ethnicity])
    assert G.CLASSIFICATIONS[0] == POOR
    return R.rates(cls, trans, minority, years, G.TRANSITIONS)
