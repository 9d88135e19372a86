"""The commune and province overviews: poverty figures (households) beside debt quality (credit), read-only.

The households app cannot read credit and credit does not read the poverty rates, so the pages that put the two side
by side live here, one level above both (design.md §2: fieldwork → risk → credit → households). The risk list and
visit compliance join these overviews as [5/7] and [6/7] land.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from credit.portfolio import Figures, portfolio_report
from credit.selectors import chairman_debt_summary, loan_scope
from households import reports
from households.selectors import classification_counts, review_request_summary, workflow_counts

#: How many list years the overview's trend shows.
TREND_YEARS = 5


def trend_years(years: list[int]) -> list[int]:
    """The last :data:`TREND_YEARS` list years that have recognised reviews."""
    return years[-TREND_YEARS:]


@dataclass
class CommuneOverview:
    """What the chairman sees first: households by status, the poor-household rate and its targets, reviews and
    Form 04 requests waiting, and the debt quality of VBSP loans."""

    as_of: date
    counts: dict[str, int]
    pending: dict[str, int]
    requests: dict[str, int]
    rates: reports.OfficialRates
    progress: list[reports.TargetProgress]  # the latest list year's, one per row with a target
    debt: dict | None  # None when the user's communes have no loan at all


def commune_overview(*, user, as_of: date) -> CommuneOverview:
    years = trend_years(reports.report_years())
    rates = reports.official_rates(user=user, years=years)
    latest = years[-1] if years else None
    progress = [
        p
        for p in reports.target_progress(rates)
        if p.year == latest and p.row in (rates.total, *rates.ethnicity, *rates.disadvantaged)
    ]
    debt = chairman_debt_summary(user=user, as_of=as_of) if loan_scope(user=user).exists() else None
    return CommuneOverview(
        as_of=as_of,
        counts=classification_counts(user=user),
        pending=workflow_counts(user=user),
        requests=review_request_summary(user=user, today=as_of),
        rates=rates,
        progress=progress,
        debt=debt,
    )


@dataclass
class CommuneRow:
    """One commune of the province comparison (a commune merged in July 2025 is counted under its successor)."""

    pk: int
    name: str
    households: int = 0
    poor_rate: float | None = None
    near_poor_rate: float | None = None
    reduction: float | None = None  # percentage points since the previous list year
    target: str = ""  # reports.TARGETS key
    status: str = reports.NO_DATA
    loans: int = 0
    outstanding: int = 0
    overdue_ratio: float | None = None  # percent
    par30: float | None = None  # percent
    note: str = ""

    @property
    def status_label(self) -> str:
        return str(reports.STATUS_LABELS[self.status])


@dataclass
class ProvinceComparison:
    as_of: date
    year: int | None
    previous_year: int | None
    rows: list[CommuneRow] = field(default_factory=list)
    total: CommuneRow | None = None


def _row_from(rates_row: reports.RatesRow, year: int | None, figures: Figures | None) -> CommuneRow:
    row = CommuneRow(pk=rates_row.key, name=rates_row.label, target=rates_row.target, note=rates_row.note)
    if year is not None:
        now = rates_row.get(year)
        row.households, row.poor_rate, row.near_poor_rate = now.households, now.poor_rate, now.near_poor_rate
        row.reduction = rates_row.reduction(year)
        target = reports.TARGETS.get(rates_row.target)
        if target is not None:
            row.status = reports.target_status(target, row.reduction)
    if figures is not None:
        row.loans, row.outstanding = figures.loans, figures.outstanding
        row.overdue_ratio, row.par30 = float(figures.overdue_ratio), float(figures.par30)
    return row


def province_comparison(*, user, as_of: date) -> ProvinceComparison:
    """Every commune the user serves: households reviewed, poor and near-poor rates of the latest list year, the
    reduction since the year before against its target, and the VBSP portfolio (loans, outstanding, overdue ratio,
    PAR30) as of ``as_of``. Two reports (official rates over two years, the portfolio), whatever the communes."""
    years = reports.report_years()
    year = years[-1] if years else None
    previous = year - 1 if year is not None and year - 1 in years else None
    rates = reports.official_rates(user=user, years=[y for y in (previous, year) if y is not None])
    portfolio = portfolio_report(user=user, as_of=as_of)
    by_commune = {f.key: f for f in portfolio.by_commune}
    rows = [_row_from(r, year, by_commune.get(r.key)) for r in rates.communes]
    seen = {r.pk for r in rows}
    for figures in portfolio.by_commune:  # communes with loans but no recognised review yet
        if figures.key not in seen:
            rows.append(_row_from(reports.RatesRow(figures.key, figures.label, {}, target=""), None, figures))
    total = _row_from(rates.total, year, portfolio.total)
    return ProvinceComparison(as_of=as_of, year=year, previous_year=previous, rows=rows, total=total)
