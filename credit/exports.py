"""Charts (SVG, config.charts) and Excel files (config.excel) of the portfolio and the collection sheet."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from config.charts import Series, bar_chart
from config.excel import Column, Sheet, workbook_response

from . import position as pos
from .portfolio import Figures, Portfolio
from .selectors import Sheet as CollectionSheetView


def bucket_labels() -> dict[str, str]:
    return {
        "1_30": _("1-30 days"),
        "31_90": _("31-90 days"),
        "91_180": _("91-180 days"),
        "181_360": _("181-360 days"),
        "over_360": _("Over 360 days"),
    }


def _million(value: float) -> str:
    return number_format(round(value / 1_000_000, 1), decimal_pos=1, force_grouping=True)


def _percent(value: float) -> str:
    return f"{number_format(round(value, 2), decimal_pos=2)} %"


def portfolio_charts(report: Portfolio) -> dict[str, str]:
    labels = bucket_labels()
    by_program = report.by_program[:10]
    by_commune = report.by_commune[:15]
    return {
        "ageing": bar_chart(
            title=_("Overdue principal by days overdue"),
            description=_("Overdue principal in millions of đồng in each ageing bucket, as of %(date)s.")
            % {"date": report.as_of.strftime("%d/%m/%Y")},
            categories=[labels[code] for code in pos.BUCKET_CODES],
            series=[
                Series(_("Overdue (million đồng)"), [report.total.buckets[c]["overdue"] for c in pos.BUCKET_CODES])
            ],
            fmt=_million,
            value_axis_label=_("million đồng"),
            chart_id="chart-ageing",
        ),
        "programs": bar_chart(
            title=_("Outstanding by programme"),
            description=_("Outstanding principal in millions of đồng for each programme."),
            categories=[f.label for f in by_program],
            series=[Series(_("Outstanding (million đồng)"), [f.outstanding for f in by_program])],
            fmt=_million,
            value_axis_label=_("million đồng"),
            chart_id="chart-programs",
        ),
        "communes": bar_chart(
            title=_("Overdue ratio by commune"),
            description=_("Overdue principal as a percentage of outstanding principal in each commune."),
            categories=[f.label for f in by_commune],
            series=[Series(_("Overdue ratio (%)"), [float(f.overdue_ratio) for f in by_commune])],
            fmt=_percent,
            value_axis_label="%",
            chart_id="chart-communes",
        ),
    }


def _figure_columns(first: str) -> list[Column]:
    return [
        Column(first),
        Column(_("Loans outstanding"), "int"),
        Column(_("Outstanding (đồng)"), "vnd"),
        Column(_("Overdue (đồng)"), "vnd"),
        Column(_("Overdue ratio"), "percent2"),
        Column(_("PAR30"), "percent2"),
        Column(_("Frozen (đồng)"), "vnd"),
        Column(_("Written off (đồng)"), "vnd"),
        *[Column(f"{_('Overdue')} {label} (đồng)", "vnd") for label in bucket_labels().values()],
    ]


def _figure_row(f: Figures, label: str | None = None) -> list:
    return [
        label if label is not None else f.label,
        f.loans,
        f.outstanding,
        f.overdue,
        float(f.overdue_ratio) / 100,
        float(f.par30) / 100,
        f.frozen,
        f.written_off,
        *[f.buckets[c]["overdue"] for c in pos.BUCKET_CODES],
    ]


def portfolio_excel(report: Portfolio, *, scope_label: str):
    day = report.as_of.strftime("%d/%m/%Y")
    note = _("Computed from the ledger as of %(date)s; %(scope)s.") % {"date": day, "scope": scope_label}
    sheets = [
        Sheet(
            name=name,
            title=f"{title} · {day}",
            columns=_figure_columns(first),
            note=note,
            rows=[_figure_row(report.total, _("Total")), *[_figure_row(f) for f in rows]],
        )
        for name, title, first, rows in (
            (_("Programmes"), _("Portfolio by programme"), _("Programme"), report.by_program),
            (_("Communes"), _("Portfolio by commune"), _("Commune"), report.by_commune),
            (_("Organisations"), _("Portfolio by entrusted organisation"), _("Organisation"), report.by_organisation),
            (_("Savings groups"), _("Portfolio by savings-and-loan group"), _("Savings group"), report.by_group),
        )
    ]
    return workbook_response(sheets, filename=f"du-no-{report.as_of.isoformat()}.xlsx")


def sheet_excel(sheet: CollectionSheetView):
    month = sheet.period.strftime("%m/%Y")
    columns = [
        Column(_("Household code")),
        Column(_("Head of household")),
        Column(_("Loan")),
        Column(_("Outstanding (đồng)"), "vnd"),
        Column(_("Principal due (đồng)"), "vnd"),
        Column(_("Interest due (đồng)"), "vnd"),
        Column(_("Overdue interest (đồng)"), "vnd"),
        Column(_("Savings (đồng)"), "vnd"),
        Column(_("Total to collect (đồng)"), "vnd"),
        Column(_("Days overdue"), "int"),
        Column(_("Collected (đồng)"), "vnd"),
    ]
    rows = [
        [
            line.household.code,
            line.household.head_name,
            f"#{line.loan.pk} {line.loan.program.name_vi}" if line.loan else "",
            line.outstanding,
            line.principal_due,
            line.interest_due,
            line.overdue_interest_due,
            line.savings_due,
            line.total_due,
            line.days_overdue or None,
            line.total_posted or None,
        ]
        for line in sheet.lines
    ]
    t = sheet.totals
    rows.append(
        [
            _("Total"),
            "",
            "",
            t["outstanding"],
            t["principal_due"],
            t["interest_due"],
            t["overdue_interest_due"],
            t["savings_due"],
            t["total_due"],
            None,
            t["total_posted"] or None,
        ]
    )
    title = _("Collection sheet of %(group)s, %(month)s") % {"group": sheet.group.name, "month": month}
    note = _(
        "Session at %(point)s on %(date)s. Interest owed up to the session day; principal due by the end of the month."
    ) % {
        "point": sheet.group.transaction_point.name if sheet.group.transaction_point else "—",
        "date": sheet.session_date.strftime("%d/%m/%Y"),
    }
    return workbook_response(
        [Sheet(name=month.replace("/", "-"), title=title, note=note, columns=columns, rows=rows)],
        filename=f"bang-thu-{sheet.group.code}-{sheet.period:%Y-%m}.xlsx",
    )
