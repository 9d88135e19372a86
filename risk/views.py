"""The chairman's commune overview and the provincial office's comparison of communes (risk.overview)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.middleware import area_safe
from accounts.roles import CHAIRMAN, PROVINCE_OFFICER, require_role
from accounts.scope import user_scope
from config import numbers
from config.charts import Series, bar_chart
from config.excel import Column, Sheet, workbook_response
from households import reports
from households.views_reports import html_table, rates_chart

from . import overview


@area_safe
def commune_overview(request):
    """The commune at a glance: households by status, the poor-household rate and its targets, work waiting for the
    chairman, and the debt quality of VBSP loans."""
    require_role(request.user, CHAIRMAN, PROVINCE_OFFICER)
    scope = user_scope(request.user)
    if scope.is_empty:
        return render(request, "accounts/no_area.html")
    data = overview.commune_overview(user=request.user, as_of=timezone.localdate())
    context = {
        "communes": list(scope.communes(whole=True).filter(valid_to__isnull=True)),
        "o": data,
        "counts": data.counts,
        "pending": data.pending,
        "debt": data.debt,
    }
    if not data.rates.empty:
        context["rates_chart"] = rates_chart(data.rates, chart_id="chart-commune-rates")
        latest = data.rates.years[-1]
        context["latest_year"] = latest
        context["latest"] = data.rates.total.get(latest)
    return render(request, "risk/commune_overview.html", context)


def comparison_sheet(comparison: overview.ProvinceComparison) -> Sheet:
    """The province comparison as one sheet (the page's table and the Excel download)."""
    year = comparison.year or ""

    def cells(row: overview.CommuneRow, label: str) -> list:
        return [
            label,
            row.households,
            row.poor_rate,
            row.near_poor_rate,
            row.reduction,
            row.status_label if row.target else "",
            row.loans,
            row.outstanding,
            None if row.overdue_ratio is None else row.overdue_ratio / 100,
            None if row.par30 is None else row.par30 / 100,
        ]

    rows = [cells(r, f"{r.name} ({r.note})" if r.note else r.name) for r in comparison.rows]
    if comparison.total is not None:
        rows.append(cells(comparison.total, _("All communes")))
    return Sheet(
        name=_("Communes"),
        title=_("Communes compared: list year %(year)s, loans as of %(day)s")
        % {"year": year, "day": comparison.as_of.strftime("%d/%m/%Y")},
        note=_(
            "Rates: share of the households with a recognised review. Fall: percentage points since the previous "
            "list year (positive = fewer poor households). Communes merged in July 2025 are counted under their "
            "successor. Overdue ratio and PAR30 are shares of the outstanding principal."
        ),
        columns=[
            Column(_("Commune")),
            Column(_("Households reviewed"), "int"),
            Column(_("Poor-household rate"), "percent"),
            Column(_("Near-poor household rate"), "percent"),
            Column(_("Fall since the previous year (points)"), "points"),
            Column(_("Against the target")),
            Column(_("Borrowers"), "int"),
            Column(_("Outstanding (đồng)"), "vnd"),
            Column(_("Overdue ratio"), "percent2"),
            Column(_("PAR30"), "percent2"),
        ],
        rows=rows,
    )


def _comparison_chart(comparison: overview.ProvinceComparison):
    rows = [r for r in comparison.rows if r.poor_rate is not None]
    if not rows:
        return None
    rows.sort(key=lambda r: -(r.poor_rate or 0))
    values = [round(r.poor_rate * 100, 2) for r in rows]
    return bar_chart(
        title=_("Poor-household rate by commune, list year %(year)s") % {"year": comparison.year},
        description="; ".join(f"{r.name}: {numbers.number(v, 1)}%" for r, v in zip(rows, values, strict=True)),
        categories=[r.name for r in rows],
        series=[Series(_("Poor households"), values)],
        fmt=lambda v: f"{numbers.number(v, 1)}%",
        value_axis_label=_("Share of households (%)"),
        chart_id="chart-communes-poor",
    )


def _change_text(reduction: float | None) -> str:
    """The change of the poor-household rate since the previous list, in words ("down 0.97 points")."""
    if reduction is None:
        return ""
    points = numbers.number(abs(reduction), 2)
    if reduction >= 0:
        return _("down %(points)s points since the previous list") % {"points": points}
    return _("up %(points)s points since the previous list") % {"points": points}


@area_safe
def province_overview(request):
    """The provincial coordination office's home: every commune's poverty rate, its fall against the target, and
    its VBSP debt quality, side by side; a chart and an Excel download."""
    require_role(request.user, PROVINCE_OFFICER)
    scope = user_scope(request.user)
    if scope.is_empty:
        return render(request, "accounts/no_area.html")
    comparison = overview.province_comparison(user=request.user, as_of=timezone.localdate())
    sheet = comparison_sheet(comparison)
    context = {
        "provinces": list(scope.provinces()),
        "comparison": comparison,
        "merged": list(
            scope.communes(whole=True).filter(merged_into__isnull=False).select_related("merged_into").order_by("code")
        ),
        "table": html_table(sheet),
        "chart": _comparison_chart(comparison),
        "change": _change_text(comparison.total.reduction if comparison.total else None),
        "targets": list(reports.TARGETS.values()),
        "targets_source": reports.TARGETS_SOURCE_NOTE % {"source": reports.TARGETS_SOURCE},
    }
    return render(request, "risk/province_overview.html", context)


@area_safe
def province_overview_excel(request):
    require_role(request.user, PROVINCE_OFFICER)
    comparison = overview.province_comparison(user=request.user, as_of=timezone.localdate())
    return workbook_response(
        [comparison_sheet(comparison)], filename=f"so-sanh-xa-{comparison.as_of.strftime('%Y-%m-%d')}.xlsx"
    )
