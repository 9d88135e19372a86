"""The credit officer posts a group's collection sheet at the transaction point in a real Chromium: the sheet shows
what each member owes, one click records it all, posting again records nothing new. The group leader's phone page
and the sheet pass axe-core (no serious or critical WCAG violation)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from credit.models import CollectionSheet, GroupMembership, LedgerEntry
from tests.conftest import login
from tests.credit.factories import group_with_members, loan_through

pytestmark = pytest.mark.django_db(transaction=True)

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


@pytest.fixture(autouse=True)
def _credit_seed(transactional_db):
    from credit.seed import reference_data_ensure

    reference_data_ensure()


@pytest.fixture
def sheet_group(province, users):
    today = timezone.localdate()
    group, households = group_with_members(province["a1"], leader=users["group_leader"], members=3)
    GroupMembership.objects.filter(group=group).update(monthly_savings=20_000)
    start = today - timedelta(days=75)
    for household in households[:2]:
        loan_through(household, group, amount=12_000_000, term_months=12, every=1, applied_on=start, disbursed_on=start)
    # The latest month whose session day (the 15th at this transaction point) has come.
    month = today.replace(day=1) if today.day >= 15 else (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return group, month


def serious(page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_officer_posts_the_sheet_once(live_server, users, browser, sheet_group, tmp_path):
    group, month = sheet_group
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    try:
        login(page, live_server, "tindung")
        page.goto(f"{live_server.url}/credit/groups/{group.pk}/sheet/?month={month:%Y-%m}")
        rows = page.locator("#sheet tbody tr")
        assert rows.count() == 3  # two borrowers, one saver
        total = page.locator("#sheet-total").inner_text()
        assert total.endswith("₫") and total != "0 ₫"
        assert serious(page) == []
        page.screenshot(path=str(tmp_path / "sheet-before.png"), full_page=True)
        page.click("#post-sheet")
        page.wait_for_load_state("networkidle")
        assert page.locator(".message-success").count() == 1
        assert page.locator("#sheet-posted").is_visible()
        assert page.locator("#sheet-recorded").inner_text() == total  # everything due was recorded
        sheet = CollectionSheet.objects.get(group=group, period=month)
        recorded = LedgerEntry.objects.filter(sheet=sheet).count()
        assert recorded in (
            8,
            9,
        )  # 2 × (principal, interest, overdue interest when earlier months are late) + 3 savings
        page.screenshot(path=str(tmp_path / "sheet-posted.png"), full_page=True)
        # Posting again (a second click, a retry) records nothing new.
        page.click("#post-sheet")
        page.wait_for_load_state("networkidle")
        assert page.locator(".message-warning").count() == 1
        assert LedgerEntry.objects.filter(sheet=sheet).count() == recorded
        assert CollectionSheet.objects.get(pk=sheet.pk).times_posted == 2
    finally:
        context.close()


def test_group_leader_sees_his_group_on_a_phone(live_server, users, phone_page, sheet_group):
    group, month = sheet_group
    page = phone_page
    login(page, live_server, "totruong")
    assert page.url.endswith("/credit/group/")
    assert group.name in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious(page) == []
    page.goto(f"{live_server.url}/credit/groups/{group.pk}/sheet/?month={month:%Y-%m}")
    assert page.locator("#post-sheet").count() == 0  # the leader prints; the officer posts
    assert serious(page) == []
