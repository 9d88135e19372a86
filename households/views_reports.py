"""The multidimensional-poverty (Alkire-Foster) report and official rates (pages and the Excel export).

Thin views: the figures come from ``households.reports`` (scoped selectors); this module lays them out as tables
(one list of :class:`config.excel.Sheet`, shown as HTML tables and written as the workbook's sheets, so the page and
the file hold the same numbers) and charts (``config.charts``, SVG rendered here).
"""

from __future__ import annotations

from fractions import Fraction

from django import forms
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.middleware import area_safe
from accounts.roles import CADRE, CHAIRMAN, PROVINCE_OFFICER, require_role
from accounts.scope import user_scope
from config.charts import Series, bar_chart, line_chart
from config.excel import Column, Sheet, workbook_response
from config.numbers import number, pct, points

from . import reports
from .reports import GROUPINGS, K_CHOICES, TARGETS, TARGETS_SOURCE, TARGETS_SOURCE_NOTE

#: Who may open the reports: chairmen and the province office (their communes), cadres (their villages only, by
#: scope), and administrators. Credit officers and group leaders have their own portfolio reports.
REPORT_ROLES = {CHAIRMAN, PROVINCE_OFFICER, CADRE}
ERR_ROLE = gettext_lazy("The poverty reports are open to commune chairmen, the provincial office and cadres.")
TREND_YEARS = 6  # years shown in the rate charts, ending with the year chosen

WEIGHT_CHOICES = (
    ("equal", gettext_lazy("Equal for every indicator")),
    ("dimension", gettext_lazy("Equal for every dimension, shared between its indicators")),
)


class ReportForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("List year"), coerce=int)
    k = forms.ChoiceField(
        label=gettext_lazy("Poverty cut-off k"),
        choices=[(k, k) for k in K_CHOICES],
        initial="1/3",
        required=False,
        help_text=gettext_lazy("A household is poor when its weighted deprivations reach this share."),
    )
    by = forms.ChoiceField(
        label=gettext_lazy("Group by"), choices=list(GROUPINGS.items()), initial="commune", required=False
    )
    weights = forms.ChoiceField(
        label=gettext_lazy("Indicator weights"), choices=WEIGHT_CHOICES, initial="equal", required=False
    )
    person_weighted = forms.BooleanField(label=gettext_lazy("Count people instead of households"), required=False)

    DEFAULTS = {"k": "1/3", "by": "commune", "weights": "equal"}

    def __init__(self, data=None, *, years: list[int], **kwargs):
        if data is not None:  # a link may give only some parameters: the others take their default (and show it)
            data = data.copy()
            for name, value in {**self.DEFAULTS, "year": years[-1] if years else ""}.items():
                if not data.get(name):
                    data[name] = value
        super().__init__(data, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in reversed(years)]
        if years:
            self.fields["year"].initial = years[-1]
        self.fields["k"].choices = [(k, f"{k} ({_pct(float(Fraction(k)))})") for k in K_CHOICES]

    def parameters(self) -> dict | None:
        """The report's parameters: the form's when valid, the defaults when nothing was asked, else None."""
        if not self.is_bound:
            year = self.fields["year"].initial
            if year is None:
                return None
            return {"year": year, **self.DEFAULTS, "person_weighted": False}
        if not self.is_valid():
            return None
        return dict(self.cleaned_data)


class RatesForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Up to the list year"), coerce=int)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in reversed(years)]
        if years:
            self.fields["year"].initial = years[-1]

    def chosen_year(self) -> int | None:
        if not self.is_bound:
            return self.fields["year"].initial
        return self.cleaned_data["year"] if self.is_valid() else None


# --- display --------------------------------------------------------------------------------------------------
_number, _pct, _points = number, pct, points  # config.numbers, under this module's old names


def _display(value, kind: str) -> str:
    if value is None or value == "":
        return "–" if kind != "text" else ""
    if kind in ("percent", "percent2"):
        return _pct(value, 1 if kind == "percent" else 2)
    if kind == "points":
        return _points(value)
    if kind in ("int", "vnd"):
        return _number(value, 0 if float(value).is_integer() else 1)
    if kind == "decimal":
        return _number(value, 3)
    return str(value)


def html_table(sheet: Sheet) -> dict:
    """A sheet as display strings for ``reports/_table.html`` (numbers formatted for the active language)."""
    kinds = [c.kind for c in sheet.columns]
    return {
        "title": sheet.title,
        "note": sheet.note,
        "columns": [{"header": c.header, "numeric": c.kind != "text"} for c in sheet.columns],
        "rows": [
            [{"text": _display(v, kind), "numeric": kind != "text"} for v, kind in zip(row, kinds, strict=False)]
            for row in sheet.rows
        ],
    }


# --- tables (shared by the pages and the workbook) ------------------------------------------------------------
def af_tables(report: reports.AFReport) -> dict[str, Sheet]:
    unit = report.unit
    prev = report.previous_year
    params = _("k = %(k)s; weights: %(weights)s; counted in %(unit)s; standard: %(standard)s.") % {
        "k": _number(report.k, 3),
        "weights": dict(WEIGHT_CHOICES).get(report.weights_scheme, report.weights_scheme),
        "unit": unit,
        "standard": report.standard.name_vi if report.standard else "–",
    }
    group_header = str(GROUPINGS[report.by])
    group_in_title = group_header if report.by == reports.BY_ETHNICITY else group_header.lower()  # "Kinh" keeps its K
    rows = []
    for row in [report.total, *report.groups]:
        now, before, change = row.current, row.previous, row.change
        label = f"{row.label} ({row.note})" if row.note else row.label
        rows.append(
            [
                label,
                now.n if now else None,
                now.q if now else None,
                now.H if now else None,
                now.A if now else None,
                now.M0 if now else None,
                before.H if before else None,
                before.M0 if before else None,
                change["H"],
                change["A"],
                change["M0"],
            ]
        )
    summary = Sheet(
        name=_("H, A, M0"),
        title=_("Multidimensional poverty %(year)s by %(group)s") % {"year": report.year, "group": group_in_title},
        note=params,
        columns=[
            Column(group_header),
            Column(_("%(unit)s reviewed") % {"unit": unit.capitalize()}, "int"),
            Column(_("Poor (q)"), "int"),
            Column(_("H (headcount)"), "percent"),
            Column(_("A (intensity)"), "percent"),
            Column(_("M0 (adjusted headcount)"), "percent2"),
            Column(_("H %(year)s") % {"year": prev}, "percent"),
            Column(_("M0 %(year)s") % {"year": prev}, "percent2"),
            Column(_("Change in H (points)"), "points"),
            Column(_("Change in A (points)"), "points"),
            Column(_("Change in M0 (points)"), "points"),
        ],
        rows=rows,
    )
    total = report.total
    indicator_rows = []
    for indicator in report.indicators:
        code = indicator.code
        now, before = total.current, total.previous
        indicator_rows.append(
            [
                indicator.label,
                indicator.dimension_vi,
                report.weights.get(code),
                now.headcount.get(code) if now else None,
                now.censored.get(code) if now else None,
                now.contribution.get(code) if now else None,
                before.censored.get(code) if before else None,
                total.censored_change(code),
            ]
        )
    indicators = Sheet(
        name=_("Indicators"),
        title=_("Deprivation indicators %(year)s, all households you serve") % {"year": report.year},
        note=_(
            "Censored headcount: the share that is poor and deprived in the indicator. Contribution: the indicator's "
            "share of M0 (the contributions add up to 100%)."
        ),
        columns=[
            Column(_("Indicator")),
            Column(_("Dimension")),
            Column(_("Weight"), "percent"),
            Column(_("Deprived (uncensored)"), "percent"),
            Column(_("Poor and deprived (censored)"), "percent"),
            Column(_("Contribution to M0"), "percent"),
            Column(_("Censored %(year)s") % {"year": prev}, "percent"),
            Column(_("Change (points)"), "points"),
        ],
        rows=indicator_rows,
    )
    names = [i.label for i in report.indicators]
    censored = Sheet(
        name=_("Censored by group"),
        title=_("Censored headcount by %(group)s and indicator, %(year)s")
        % {"group": group_in_title, "year": report.year},
        columns=[Column(group_header), *[Column(n, "percent") for n in names]],
        rows=[
            [row.label, *[row.current.censored.get(i.code) if row.current else None for i in report.indicators]]
            for row in [total, *report.groups]
        ],
    )
    contribution = Sheet(
        name=_("Contribution by group"),
        title=_("Contribution to M0 by %(group)s and indicator, %(year)s")
        % {"group": group_in_title, "year": report.year},
        columns=[Column(group_header), *[Column(n, "percent") for n in names]],
        rows=[
            [row.label, *[row.current.contribution.get(i.code) if row.current else None for i in report.indicators]]
            for row in [total, *report.groups]
        ],
    )
    return {"summary": summary, "indicators": indicators, "censored": censored, "contribution": contribution}


def rates_tables(rates: reports.OfficialRates, progress: list[reports.TargetProgress]) -> dict[str, Sheet]:
    denominators = _("Denominator: the households with a recognised review in the list year (the latest one counts).")
    trend = Sheet(
        name=_("Rates by year"),
        title=_("Poor and near-poor households by year, all households you serve"),
        note=denominators,
        columns=[
            Column(_("List year")),
            Column(_("Households reviewed"), "int"),
            Column(_("Poor households"), "int"),
            Column(_("Poor-household rate"), "percent2"),
            Column(_("Near-poor households"), "int"),
            Column(_("Near-poor rate"), "percent2"),
            Column(_("Poor and near-poor rate"), "percent2"),
        ],
        rows=[
            [
                str(y),
                rates.total.get(y).households,
                rates.total.get(y).poor,
                rates.total.get(y).poor_rate,
                rates.total.get(y).near_poor,
                rates.total.get(y).near_poor_rate,
                rates.total.get(y).combined_rate,
            ]
            for y in rates.years
        ],
    )

    def by_group(name: str, title: str, attr: str) -> Sheet:
        last = rates.years[-1] if rates.years else None
        rows = []
        for row in rates.rows:
            label = f"{row.label} ({row.note})" if row.note else row.label
            values = [getattr(row.get(y), attr) for y in rates.years]
            if attr == "poor_rate":
                values.append(row.reduction(last) if last is not None else None)
            rows.append([label, *values])
        columns = [Column(_("Group")), *[Column(str(y), "percent2") for y in rates.years]]
        if attr == "poor_rate":
            columns.append(Column(_("Fall in %(year)s (points)") % {"year": last}, "points"))
        return Sheet(name=name, title=title, note=denominators, columns=columns, rows=rows)

    return {
        "trend": trend,
        "poor": by_group(_("Poor rate by group"), _("Poor-household rate by group"), "poor_rate"),
        "near_poor": by_group(_("Near-poor rate by group"), _("Near-poor household rate by group"), "near_poor_rate"),
        "targets": Sheet(
            name=_("Targets"),
            title=_("Progress against the poor-household rate targets"),
            note=str(TARGETS_SOURCE_NOTE % {"source": TARGETS_SOURCE})
            + " "
            + _("On track when the rate fell at least by the target's lower bound."),
            columns=[
                Column(_("Group")),
                Column(_("Target")),
                Column(_("List year")),
                Column(_("Fall in the poor-household rate (points)"), "points"),
                Column(_("Status")),
            ],
            rows=[
                [
                    f"{p.row.label} ({p.row.note})" if p.row.note else p.row.label,
                    p.target.text,
                    str(p.year),
                    p.reduction,
                    p.status_label,
                ]
                for p in progress
            ],
        ),
    }


# --- charts -----------------------------------------------------------------------------------------------------
def contribution_chart(report: reports.AFReport):
    total = report.total.current
    return bar_chart(
        title=_("Contribution of each indicator to M0, %(year)s") % {"year": report.year},
        description=_("Horizontal bars, one per indicator: its share of the adjusted headcount M0, in percent.")
        + " "
        + "; ".join(f"{i.label}: {_pct(total.contribution.get(i.code))}" for i in report.indicators),
        categories=[i.label for i in report.indicators],
        series=[Series(_("Contribution"), [total.contribution.get(i.code, 0.0) * 100 for i in report.indicators])],
        fmt=_chart_pct,
        value_axis_label=_("Share of M0 (%)"),
        width=480,
        chart_id="chart-contribution",
    )


def rates_chart(rates: reports.OfficialRates, rows: list[reports.RatesRow] | None = None, chart_id: str = ""):
    years = [y for y in rates.years if rates.total.get(y).households]
    if rows is None:
        series = [
            Series(_("Poor households"), [_times100(rates.total.get(y).poor_rate) for y in years]),
            Series(_("Near-poor households"), [_times100(rates.total.get(y).near_poor_rate) for y in years]),
        ]
        title = _("Poor and near-poor household rates by year")
    else:
        series = [Series(row.label, [_times100(row.get(y).poor_rate) for y in years]) for row in rows]
        title = _("Poor-household rate by group and year")
    description = _("Lines over the list years %(first)s-%(last)s, rates in percent of the households reviewed.") % {
        "first": years[0] if years else "",
        "last": years[-1] if years else "",
    }
    description += " " + "; ".join(
        f"{s.name}: "
        + ", ".join(f"{y} {_pct(v / 100 if v is not None else None)}" for y, v in zip(years, s.values, strict=True))
        for s in series
    )
    return line_chart(
        title=title,
        description=description,
        categories=[str(y) for y in years],
        series=series,
        fmt=_chart_pct,
        y_axis_label=_("Share of households (%)"),
        x_axis_label=_("List year"),
        width=480,
        chart_id=chart_id or "chart-rates",
    )


def _chart_pct(value: float) -> str:
    return f"{_number(value, 1 if round(value, 1) % 1 else 0)}%"


def _times100(value: float | None) -> float | None:
    return None if value is None else value * 100


# --- views ------------------------------------------------------------------------------------------------------
def _check_role(user) -> None:
    require_role(user, *REPORT_ROLES, message=ERR_ROLE)


def _trend_years(year: int, years: list[int]) -> list[int]:
    return [y for y in years if year - TREND_YEARS < y <= year]


def _af_context(request, params: dict, years: list[int]) -> dict:
    report = reports.af_report(
        user=request.user,
        year=params["year"],
        k=params["k"],
        by=params["by"],
        weights=params["weights"],
        person_weighted=params["person_weighted"],
    )
    rates = reports.official_rates(user=request.user, years=_trend_years(params["year"], years))
    context = {"report": report, "rates": rates}
    if not report.empty:
        tables = af_tables(report)
        context["tables"] = {key: html_table(sheet) for key, sheet in tables.items()}
        context["contribution_chart"] = contribution_chart(report)
        total = report.total
        context["headline"] = [
            {
                "name": _("H, headcount ratio"),
                "help": _("share of %(unit)s that are multidimensionally poor") % {"unit": report.unit},
                "value": _pct(total.current.H),
                "previous": _pct(total.previous.H) if total.previous else "–",
                "change": _points(total.change["H"]),
                "id": "figure-h",
            },
            {
                "name": _("A, intensity"),
                "help": _("average share of weighted deprivations among the poor"),
                "value": _pct(total.current.A),
                "previous": _pct(total.previous.A) if total.previous else "–",
                "change": _points(total.change["A"]),
                "id": "figure-a",
            },
            {
                "name": _("M0, adjusted headcount ratio"),
                "help": _("H × A"),
                "value": _pct(total.current.M0, 2),
                "previous": _pct(total.previous.M0, 2) if total.previous else "–",
                "change": _points(total.change["M0"]),
                "id": "figure-m0",
            },
        ]
    if not rates.empty:
        context["rates_chart"] = rates_chart(rates)
        context["rates_table"] = html_table(rates_tables(rates, [])["trend"])
    return context


@area_safe
def report_page(request):
    """The Alkire-Foster report: H, A, M0, indicators and contributions by group, with the previous year."""
    _check_role(request.user)
    if user_scope(request.user).is_empty:
        return render(request, "accounts/no_area.html")
    years = reports.report_years()
    form = ReportForm(request.GET or None, years=years)
    params = form.parameters()
    context = {"form": form, "years": years, "params": params, "query": request.GET.urlencode()}
    if params is not None:
        context.update(_af_context(request, params, years))
    return render(request, "households/reports/af_report.html", context)


@area_safe
def rates_page(request):
    """Official poor and near-poor rates per year and group, and progress against the targets."""
    _check_role(request.user)
    if user_scope(request.user).is_empty:
        return render(request, "accounts/no_area.html")
    years = reports.report_years()
    form = RatesForm(request.GET or None, years=years)
    year = form.chosen_year()
    context = {"form": form, "years": years, "year": year, "targets": list(TARGETS.values())}
    context["targets_source"] = TARGETS_SOURCE_NOTE % {"source": TARGETS_SOURCE}
    if year is not None:
        rates = reports.official_rates(user=request.user, years=_trend_years(year, years))
        progress = reports.target_progress(rates)
        tables = rates_tables(rates, progress)
        context.update(
            {
                "rates": rates,
                "progress": progress,
                "tables": {key: html_table(sheet) for key, sheet in tables.items()},
                "progress_rows": [
                    {
                        "label": p.row.label,
                        "note": p.row.note,
                        "target": p.target.text,
                        "year": p.year,
                        "reduction": _points(p.reduction),
                        "status": p.status,
                        "status_label": p.status_label,
                    }
                    for p in progress
                ],
            }
        )
        if not rates.empty:
            focus = [rates.total, rates.ethnicity[0], rates.disadvantaged[0]]
            context["rates_chart"] = rates_chart(rates, focus, chart_id="chart-rates-groups")
        context["excel_query"] = f"year={year}"
    return render(request, "households/reports/rates.html", context)


@area_safe
def report_excel(request):
    """The same figures as the two pages, one sheet per table: ``bao-cao-ngheo-da-chieu-<year>.xlsx``."""
    _check_role(request.user)
    years = reports.report_years()
    form = ReportForm(request.GET or None, years=years)
    params = form.parameters()
    if params is None:
        if not years:
            return render(request, "households/reports/af_report.html", {"form": form, "years": years}, status=404)
        return render(
            request, "households/reports/af_report.html", {"form": form, "years": years, "params": None}, status=400
        )
    report = reports.af_report(
        user=request.user,
        year=params["year"],
        k=params["k"],
        by=params["by"],
        weights=params["weights"],
        person_weighted=params["person_weighted"],
    )
    rates = reports.official_rates(user=request.user, years=_trend_years(params["year"], years))
    progress = reports.target_progress(rates)
    sheets = []
    if not report.empty:
        sheets += list(af_tables(report).values())
    sheets += list(rates_tables(rates, progress).values())
    return workbook_response(sheets, filename=f"bao-cao-ngheo-da-chieu-{params['year']}.xlsx")


urlpatterns: list = [
    path("reports/", report_page, name="reports"),
    path("reports/rates/", rates_page, name="rates"),
    path("reports/excel/", report_excel, name="reports_excel"),
]
