"""The chairman imports review files from the page: a bad row gives the error table, a good file gives the counts,
and a running import shows a progress bar that the small JavaScript poll turns into the result."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from households import imports
from households.models import Household, Review
from households.models_import import ImportJob
from tests.conftest import login
from tests.households.test_import import review, to_csv

pytestmark = pytest.mark.django_db(transaction=True)

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def serious_violations(page) -> list[str]:
    """axe-core: WCAG 2.x A/AA violations of serious or critical impact."""
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _upload(page, live_server, data: bytes, name: str = "ra-soat.csv") -> None:
    page.goto(f"{live_server.url}/households/import/")
    assert serious_violations(page) == []
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.click("main form[enctype] button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_a_file_with_a_bad_row_shows_the_error_table(live_server, users, phone_page, tmp_path):
    page = phone_page
    login(page, live_server, "chutich")
    _upload(page, live_server, to_csv([review("H001"), review("H002", village_code="90001-99")]))
    assert page.title().startswith("Có lỗi")
    assert page.locator(".error-summary").is_visible()
    cells = page.locator("#error-table tbody tr").first.locator("td").all_inner_texts()
    assert cells[1:3] == ["3", "village_code"] and "90001-99" in cells[3]
    assert page.locator("#error-table tbody tr").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []
    page.screenshot(path=str(tmp_path / "import-errors.png"), full_page=True)
    assert Household.objects.count() == 0 and Review.objects.count() == 0


def test_a_good_file_shows_the_counts(live_server, users, phone_page):
    page = phone_page
    login(page, live_server, "chutich")
    _upload(page, live_server, to_csv([review("H001"), review("H002"), review("H003")]))
    assert not page.title().startswith("Có lỗi")
    assert page.locator("[data-count=households_created]").inner_text() == "3"
    assert page.locator("[data-count=reviews_created]").inner_text() == "3"
    assert serious_violations(page) == []
    assert Review.objects.filter(status="draft", reviewer=users["chairman"]).count() == 3


def test_a_running_import_shows_progress_and_the_poll_shows_the_result(live_server, users, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        login(page, live_server, "chutich")
        job = ImportJob.objects.create(
            created_by=users["chairman"], filename="lon.csv", data=to_csv([review("H001")]), language="vi"
        )
        page.goto(f"{live_server.url}/households/import/{job.pk}/")
        assert page.locator("progress").count() == 1
        assert page.locator("noscript").count() >= 1  # the meta refresh for browsers without JavaScript
        assert serious_violations(page) == []
        imports.import_job_run(job_id=job.pk)  # the worker
        page.wait_for_selector("[data-count=reviews_created]", timeout=15_000)
        assert page.locator("[data-count=reviews_created]").inner_text() == "1"
        assert page.locator("progress").count() == 0
    finally:
        context.close()
