"""The rates ``synth --report`` prints and the tests check, from classifications by household and list year.

Pure (numpy). The same function reads the generated province in memory and the reviews stored in the database.

Definitions, for list year L (the year whose lists a review sets):

- ``poor_rate`` / ``near_poor_rate``: share of the households reviewed for L that are poor / near-poor.
- ``escaped``: households whose transition in L is ``escaped``; ``escaped_rate`` divides by the poor of L-1.
- ``fell_back``: transition ``fell_back``; ``fell_back_rate`` divides by the households that could fall back:
  not poor in L-1 but poor in some list year before L-1 (the "escaped pool").
- ``newly_poor``: transition ``newly_poor``; ``newly_poor_rate`` divides by the households never poor up to L-1.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

POOR, NEAR_POOR = 0, 1  # indexes into households.poverty.CLASSIFICATIONS
ESCAPED, FELL_BACK, NEWLY_POOR = "escaped", "fell_back", "newly_poor"
GROUPS = ("all", "kinh", "minority")


def rates(
    classification: np.ndarray,
    transition: np.ndarray,
    minority: np.ndarray,
    list_years: Sequence[int],
    transitions: Sequence[str],
) -> dict[str, dict[int, dict[str, float]]]:
    """``{group: {list_year: {measure: value}}}`` for groups all / kinh / minority.

    ``classification`` and ``transition`` are (households, years) arrays of indexes (classification: poor 0,
    near_poor 1, average 2, non_poor 3; transition: index into ``transitions``), columns in ``list_years`` order.
    """
    escaped, fell_back, newly = (transitions.index(x) for x in (ESCAPED, FELL_BACK, NEWLY_POOR))
    result: dict[str, dict[int, dict[str, float]]] = {}
    for group in GROUPS:
        chosen = (
            np.ones(len(minority), dtype=bool) if group == "all" else (minority if group == "minority" else ~minority)
        )
        cls = classification[chosen]
        trans = transition[chosen]
        poor = cls == POOR
        by_year: dict[int, dict[str, float]] = {}
        for k, year in enumerate(list_years):
            n = len(cls)
            row: dict[str, float] = {
                "households": n,
                "poor": int(poor[:, k].sum()),
                "near_poor": int((cls[:, k] == NEAR_POOR).sum()),
                "poor_rate": _share(poor[:, k].sum(), n),
                "near_poor_rate": _share((cls[:, k] == NEAR_POOR).sum(), n),
            }
            if k:
                pool = ~poor[:, k - 1] & poor[:, : k - 1].any(axis=1)
                never = ~poor[:, :k].any(axis=1)
                row.update(
                    {
                        "escaped": int((trans[:, k] == escaped).sum()),
                        "escaped_rate": _share((trans[:, k] == escaped).sum(), poor[:, k - 1].sum()),
                        "fell_back": int((trans[:, k] == fell_back).sum()),
                        "escaped_pool": int(pool.sum()),
                        "fell_back_rate": _share((trans[:, k] == fell_back).sum(), pool.sum()),
                        "newly_poor": int((trans[:, k] == newly).sum()),
                        "newly_poor_rate": _share((trans[:, k] == newly).sum(), never.sum()),
                    }
                )
            by_year[year] = row
        result[group] = by_year
    return result


def pooled_fell_back_rate(table: dict[int, dict[str, float]], years: Sequence[int]) -> float:
    """Falls back over the escaped pool, pooled over ``years`` (a steadier figure than any single year)."""
    fell = sum(table[y].get("fell_back", 0) for y in years)
    pool = sum(table[y].get("escaped_pool", 0) for y in years)
    return _share(fell, pool)


def _share(part, whole) -> float:
    return float(part) / float(whole) if whole else 0.0


def format_table(result: dict[str, dict[int, dict[str, float]]]) -> str:
    """A plain-text table (the ``synth --report`` output)."""
    lines = []
    header = (
        f"{'group':<9} {'list year':>9} {'households':>10} {'poor %':>7} {'near %':>7} {'escaped':>8} "
        f"{'esc. %':>7} {'fell back':>9} {'% of pool':>9} {'newly poor':>10} {'% never':>8}"
    )
    lines.append(header)
    lines.append("-" * len(header))
    for group, by_year in result.items():
        for year, row in by_year.items():
            lines.append(
                f"{group:<9} {year:>9} {row['households']:>10,} {row['poor_rate'] * 100:>7.2f} "
                f"{row['near_poor_rate'] * 100:>7.2f} {_n(row, 'escaped'):>8} {_pct(row, 'escaped_rate'):>7} "
                f"{_n(row, 'fell_back'):>9} {_pct(row, 'fell_back_rate'):>9} {_n(row, 'newly_poor'):>10} "
                f"{_pct(row, 'newly_poor_rate'):>8}"
            )
    return "\n".join(lines)


def _n(row: dict, key: str) -> str:
    return f"{row[key]:,}" if key in row else "-"


def _pct(row: dict, key: str) -> str:
    return f"{row[key] * 100:.2f}" if key in row else "-"
