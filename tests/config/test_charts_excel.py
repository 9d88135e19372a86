"""The SVG chart renderer (config/charts.py) and the Excel writer (config/excel.py). No database."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET  # noqa: S405 (parsing our own markup)

import pytest
from django.utils import translation
from openpyxl import load_workbook

from config.charts import PALETTE, Series, bar_chart, line_chart, nice_ticks
from config.excel import FORMATS, XLSX_CONTENT_TYPE, Column, Sheet, workbook_bytes, workbook_response

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 (our own markup)


def _accessible(svg: ET.Element, title: str) -> None:
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.get("role") == "img"
    title_el, desc_el = svg.find("s:title", NS), svg.find("s:desc", NS)
    assert title_el.text == title and desc_el.text
    assert svg.get("aria-labelledby") == f"{title_el.get('id')} {desc_el.get('id')}"
    assert list(svg)[0] is title_el  # the accessible name comes first
    assert svg.get("viewBox").startswith("0 0 ")


# --- charts -----------------------------------------------------------------------------------------------------
def test_horizontal_bar_chart_is_valid_svg_with_one_bar_per_value():
    svg = parse(
        bar_chart(
            title="Contribution",
            description="Share of M0 by indicator",
            categories=["Việc làm", "Dinh dưỡng", "Nhà ở"],
            series=[Series("Contribution", [20.8, 0.0, 16.7])],
            value_axis_label="Share of M0 (%)",
            chart_id="c1",
        )
    )
    _accessible(svg, "Contribution")
    assert svg.get("id") == "c1"
    bars = svg.findall(".//s:rect[@class='bar']", NS)
    assert len(bars) == 3
    assert [b.find("s:title", NS).text for b in bars] == ["Việc làm: 20.8", "Dinh dưỡng: 0", "Nhà ở: 16.7"]
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] > widths[2] > widths[1] > 0  # a zero value still shows a hairline
    assert [t.text for t in svg.findall(".//s:text[@class='category']", NS)] == ["Việc làm", "Dinh dưỡng", "Nhà ở"]
    assert svg.find(".//s:text[@class='axis-label']", NS).text == "Share of M0 (%)"
    ticks = [t.text for t in svg.findall(".//s:text[@class='tick']", NS)]
    assert ticks[0] == "0" and len(ticks) >= 3


def test_grouped_and_vertical_bars_and_missing_values():
    svg = parse(
        bar_chart(
            title="By year",
            description="d",
            categories=["2024", "2025", "2026"],
            series=[Series("Poor", [8.6, 6.3, None]), Series("Near-poor", [1.0, 0.9, 0.8])],
            horizontal=False,
            value_axis_label="%",
            category_axis_label="Year",
        )
    )
    _accessible(svg, "By year")
    bars = svg.findall(".//s:rect[@class='bar']", NS)
    assert len(bars) == 5  # six values, one missing
    assert {b.get("fill") for b in bars} == {PALETTE[0], PALETTE[1]}
    assert "2025, Poor: 6.3" in [b.find("s:title", NS).text for b in bars]
    legend = [t.text for t in svg.findall(".//s:g[@class='legend']/s:text", NS)]
    assert legend == ["Poor", "Near-poor"]
    heights = {b.find("s:title", NS).text: float(b.get("height")) for b in bars}
    assert heights["2024, Poor: 8.6"] > heights["2025, Poor: 6.3"] > heights["2026, Near-poor: 0.8"]


def test_labels_are_escaped():
    markup = str(
        bar_chart(
            title="<script>alert(1)</script>",
            description="a & b",
            categories=['"><img src=x onerror=alert(1)>'],
            series=[Series("s", [1])],
        )
    )
    assert "<script>" not in markup and "<img" not in markup
    svg = parse(markup)  # still well-formed
    assert svg.find("s:title", NS).text == "<script>alert(1)</script>"


def test_line_chart_lines_points_and_gaps():
    svg = parse(
        line_chart(
            title="Rates",
            description="Poor and near-poor rates by year",
            categories=["2022", "2023", "2024", "2025", "2026"],
            series=[Series("Poor", [9.0, 8.1, None, 6.2, 5.0]), Series("Near-poor", [5.0, 4.8, 4.5, 4.1, 3.9])],
            y_axis_label="Share (%)",
            x_axis_label="List year",
            chart_id="rates",
        )
    )
    _accessible(svg, "Rates")
    series = svg.findall(".//s:g[@class='series']", NS)
    assert [g.get("data-series") for g in series] == ["Poor", "Near-poor"]
    # The missing 2024 value breaks the first line in two; the second is one line.
    assert len(series[0].findall("s:polyline", NS)) == 2 and len(series[1].findall("s:polyline", NS)) == 1
    points = svg.findall(".//*[@class='point']", NS)
    assert len(points) == 9
    assert series[1].findall("s:polyline", NS)[0].get("stroke-dasharray")  # told apart without colour
    assert "Poor, 2025: 6.2" in [p.find("s:title", NS).text for p in points]
    labels = [t.text for t in svg.findall(".//s:text[@class='axis-label']", NS)]
    assert labels == ["Share (%)", "List year"]
    # A higher value is drawn higher (smaller y).
    ys = [float(p.get("cy")) for p in series[0].findall("s:circle", NS)]
    assert ys == sorted(ys)


def test_a_long_legend_wraps_inside_the_chart():
    names = ["All households you serve", "Ethnic-minority households", "Disadvantaged communes"]
    svg = parse(
        line_chart(
            title="t",
            description="d",
            categories=["2024", "2025"],
            series=[Series(n, [5.0, 4.0]) for n in names],
            width=480,
        )
    )
    texts = svg.findall(".//s:g[@class='legend']/s:text", NS)
    assert [t.text for t in texts] == names
    assert len({t.get("y") for t in texts}) > 1  # more than one row
    width = float(svg.get("viewBox").split()[2])
    assert all(float(t.get("x")) + 8.2 * len(t.text) <= width for t in texts)
    # The plot starts below the legend.
    top_grid = min(float(line.get("y1")) for line in svg.findall(".//s:g[@class='grid']/s:line", NS))
    assert top_grid > max(float(t.get("y")) for t in texts)


def test_numbers_follow_the_active_language():
    with translation.override("vi"):
        svg = parse(bar_chart(title="t", description="d", categories=["a"], series=[Series("s", [12.5])]))
    assert svg.find(".//s:rect[@class='bar']/s:title", NS).text == "a: 12,5"


def test_nice_ticks():
    assert nice_ticks(0, 23) == [0, 5, 10, 15, 20, 25]
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    ticks = nice_ticks(-3, 7)
    assert ticks[0] <= -3 and ticks[-1] >= 7


# --- Excel ------------------------------------------------------------------------------------------------------
def _sheets() -> list[Sheet]:
    return [
        Sheet(
            name="Tổng hợp: H/A/M0?",
            title="Nghèo đa chiều 2025",
            note="k = 1/3",
            columns=[
                Column("Xã"),
                Column("Số hộ", "int"),
                Column("Dư nợ", "vnd"),
                Column("H", "percent"),
                Column("Thay đổi (điểm)", "points"),
                Column("M0", "decimal", width=12),
            ],
            rows=[
                ["Xã An Bình", 1250, 1_250_000_000, 0.8333, 3.33, 0.3333],
                ['=HYPERLINK("http://x")', 3, 0, 0.0, -1.5, 0.0],
                ["Xã trống", None, None, None, None, None],
            ],
        ),
        Sheet(name="Tổng hợp: H/A/M0?", title="Second", columns=[Column("A")], rows=[["x"]]),
    ]


def test_workbook_layout_and_formats():
    wb = load_workbook(io.BytesIO(workbook_bytes(_sheets())))
    assert wb.sheetnames == ["Tổng hợp  H A M0", "Tổng hợp  H A M0 (2)"]  # no []:*?/\, unique
    ws = wb.worksheets[0]
    assert ws["A1"].value == "Nghèo đa chiều 2025" and ws["A1"].font.b
    assert ws["A2"].value == "k = 1/3"
    header = [c.value for c in ws[4]]
    assert header == ["Xã", "Số hộ", "Dư nợ", "H", "Thay đổi (điểm)", "M0"]
    assert all(c.font.b for c in ws[4])
    assert ws.freeze_panes == "B5"  # the header row and the first column stay in view
    assert [c.value for c in ws[5]] == ["Xã An Bình", 1250, 1_250_000_000, 0.8333, 3.33, 0.3333]
    assert ws["B5"].number_format == FORMATS["int"] == "#,##0"
    assert ws["C5"].number_format == "#,##0"
    assert ws["D5"].number_format == "0.0%"
    assert ws["E5"].number_format == FORMATS["points"]
    assert ws.column_dimensions["F"].width == 12
    assert ws.column_dimensions["A"].width >= len('=HYPERLINK("http://x")')
    # A text that looks like a formula stays text.
    assert ws["A6"].value == '=HYPERLINK("http://x")' and ws["A6"].data_type == "s"
    assert [c.value for c in ws[7]][1:] == [None] * 5  # empty cells for missing values
    assert wb.properties.creator == "Sinh Kế"


def test_workbook_response_headers():
    response = workbook_response(_sheets(), filename="bao-cao-ngheo-da-chieu-2025")
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-ngheo-da-chieu-2025.xlsx"'
    load_workbook(io.BytesIO(response.content))
    vietnamese = workbook_response(_sheets(), filename="báo-cáo-nghèo-2025.xlsx")
    disposition = vietnamese["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "b%C3%A1o-c%C3%A1o-ngh%C3%A8o-2025.xlsx" in disposition


def test_unknown_column_kind_is_refused():
    with pytest.raises(ValueError, match="unknown column kind"):
        Column("x", "money")
