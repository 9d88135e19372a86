"""axe-core (WCAG 2.x A/AA rules) on the main pages of each role: no serious or critical violation."""

from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import login
from tests.households.factories import HouseholdFactory, MemberFactory, recognised_review

pytestmark = pytest.mark.django_db(transaction=True)

AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def serious(page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def home(province):
    h = HouseholdFactory(village=province["a1"], code="HA001", head_name="Nguyễn Văn An")
    MemberFactory(household=h, national_id="001080012345", birth_date=date(1980, 1, 1))
    recognised_review(
        h, review_date=date(2024, 10, 1), income=1_000_000, deprived={"employment", "nutrition", "sanitation"}
    )
    return h


def test_login_page(live_server, db, phone_page):
    phone_page.goto(f"{live_server.url}/login/")
    assert serious(phone_page) == []


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        (
            "canbo",
            [
                "/fieldwork/",
                "/households/",
                "/households/{pk}/",
                "/households/{pk}/reviews/new/",
                "/households/reviews/",
            ],
        ),
        ("chutich", ["/risk/commune/", "/households/requests/", "/households/{pk}/edit/", "/areas/"]),
        ("tinh", ["/risk/province/"]),
    ],
)
def test_role_pages(live_server, users, home, phone_page, username, paths):
    login(phone_page, live_server, username)
    for path in paths:
        phone_page.goto(live_server.url + path.format(pk=home.pk))
        assert serious(phone_page) == [], path
