"""The chairman opens the multidimensional-poverty report in Chromium: the figures, the charts, a phone's width."""

from __future__ import annotations

import pytest

from tests.conftest import login
from tests.households.test_reports import build_af_data

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT = "/tmp/af_report.png"  # noqa: S108 (the brief asks for this path)


@pytest.fixture
def desktop_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def test_chairman_reads_the_report(live_server, province, users, desktop_page):
    build_af_data(province, users)
    page = desktop_page
    login(page, live_server, "chutich")
    page.goto(f"{live_server.url}/households/reports/?year=2025")
    assert page.locator("html").get_attribute("lang") == "vi"
    # H = 5/6, A = 0.4, M0 = 1/3 (tests/households/test_reports.py works them out), with a decimal comma.
    assert page.locator('[data-figure="figure-h"]').inner_text() == "83,3%"
    assert page.locator('[data-figure="figure-a"]').inner_text() == "40,0%"
    assert page.locator('[data-figure="figure-m0"]').inner_text() == "33,33%"
    chart = page.locator("svg#chart-contribution")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    assert chart.locator("rect.bar").count() == 12
    assert page.locator("svg#chart-rates").is_visible()
    # The numbers sit in a table beside the chart.
    table = page.locator("#table-indicators")
    assert table.is_visible()
    table_box = table.bounding_box()
    assert table_box["x"] > box["x"] + box["width"] - 1  # to the right, on a desktop
    assert "Việc làm" in table.inner_text()
    page.screenshot(path=SCREENSHOT, full_page=True)

    # Changing the grouping through the form.
    page.select_option("#id_by", "village")
    page.click("form.report-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "by=village" in page.url
    assert "Thôn Cũ · Xã Cũ" in page.locator("#table-groups").inner_text()


def test_report_fits_a_phone(live_server, province, users, phone_page):
    build_af_data(province, users)
    login(phone_page, live_server, "chutich")
    phone_page.goto(f"{live_server.url}/households/reports/?year=2025")
    assert phone_page.locator('[data-figure="figure-h"]').inner_text() == "83,3%"
    assert phone_page.locator("svg#chart-contribution").is_visible()
    # Wide tables scroll inside their box; the page itself does not scroll sideways.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360


def test_province_office_reads_rates_and_targets(live_server, province, users, desktop_page):
    build_af_data(province, users)
    page = desktop_page
    login(page, live_server, "tinh")
    page.goto(f"{live_server.url}/households/reports/rates/?year=2025")
    targets = page.locator("#table-targets")
    assert targets.is_visible()
    assert page.locator("#table-targets .status-on_track").count() >= 1
    assert page.locator("#table-targets .status-behind").count() >= 1
    assert page.locator("svg#chart-rates-groups").is_visible()
    assert "57,14%" in page.locator("#table-trend").inner_text()  # 4 of 7 households poor in 2025
    page.screenshot(path="/tmp/af_rates.png", full_page=True)  # noqa: S108
