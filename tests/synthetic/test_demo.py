import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from accounts.scope import user_scope
from areas.models import Commune
from households import selectors as household_selectors
from households.models import Household, Review, ReviewRequest
from synthetic.demo import DEMO_ACCOUNTS, DEMO_HOUSEHOLDS, DEMO_PASSWORD, REGULAR_REVIEW_DAY


def test_demo_builds_accounts_and_is_idempotent(db, client):
    call_command("demo")
    counts = (User.objects.count(), Commune.objects.count())
    call_command("demo")
    assert (User.objects.count(), Commune.objects.count()) == counts
    assert Commune.objects.filter(valid_to__isnull=True).count() >= 4
    assert {a.username for a in DEMO_ACCOUNTS} <= set(User.objects.values_list("username", flat=True))
    assert [v.code for v in user_scope(User.objects.get(username="canbo1")).villages()] == ["90001-01", "90001-02"]
    assert not set(user_scope(User.objects.get(username="canbo2")).villages()) & set(
        user_scope(User.objects.get(username="canbo1")).villages()
    )
    for account in DEMO_ACCOUNTS:
        client.logout()
        response = client.post("/login/", {"username": account.username, "password": DEMO_PASSWORD}, follow=True)
        assert response.status_code == 200, account.username
        assert response.redirect_chain, account.username
        assert "/login/" not in response.redirect_chain[-1][0], account.username
    _each_account_sees_its_own_data(client)


def _login(client, username: str):
    client.logout()
    response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True)
    assert response.status_code == 200, username
    return response


def _each_account_sees_its_own_data(client) -> None:
    """The demo province is there, in the villages the demo accounts serve, and each home page shows it."""
    assert Household.objects.count() == DEMO_HOUSEHOLDS
    communes = Commune.objects.filter(valid_to__isnull=True, households__isnull=False).distinct()
    assert communes.count() >= 4
    assert Review.objects.filter(status="recognised", kind="periodic", list_year=2026).count() == DEMO_HOUSEHOLDS

    seen = {}
    for username, villages in (("canbo1", {"90001-01", "90001-02"}), ("canbo2", {"90001-03", "90001-04"})):
        user = User.objects.get(username=username)
        mine = household_selectors.household_list(user=user)
        assert mine.count() == Household.objects.filter(village__code__in=villages).count() > 100, username
        assert set(mine.values_list("village__code", flat=True).distinct()) == villages
        seen[username] = set(mine.values_list("pk", flat=True))
        recognised = Review.objects.filter(household__in=mine, reviewer=user, kind="periodic", status="recognised")
        assert recognised.count() == mine.count() * 5
        _login(client, username)
        page = client.get("/households/").content.decode()
        first = mine.first()
        assert first.code in page and first.head_name in page, username
        other = Household.objects.exclude(village__code__in=villages).first()
        assert client.get(f"/households/{other.pk}/").status_code == 404, username
    assert not seen["canbo1"] & seen["canbo2"]

    chairman = User.objects.get(username="chutich1")
    counts = household_selectors.classification_counts(user=chairman)
    commune = Household.objects.filter(commune__code="90001")
    assert counts["total"] == commune.count() > 1_000
    assert counts["poor"] == commune.filter(latest_classification="poor").count() > 0
    page = _login(client, "chutich1").content.decode()
    assert "Xã Tân Minh" in page and f"{counts['poor']:,}".replace(",", ".") in page
    assert "credit-debt-card" in page and 'id="chart-commune-rates"' in page  # debt quality and the rate trend
    if timezone.localdate() >= REGULAR_REVIEW_DAY:  # regular reviews under way, waiting for the chairman
        pending = household_selectors.workflow_counts(user=chairman)
        # the late-2026 periodic review (2027 lists, 2027-2030 standard) is under way too (synthetic.demo_periodic)
        periodic = Review.objects.filter(kind="periodic", list_year=2027)
        assert set(periodic.values_list("standard__code", flat=True)) == {"2027-2030"}
        assert periodic.filter(household__village__code="90001-01", status="posted").exists()
        assert periodic.filter(household__village__code="90001-03", status="draft").exists()
        for status in ("draft", "village_agreed", "posted"):
            assert pending[status] == 10 + periodic.filter(status=status).count(), status
        regular = Review.objects.filter(kind="regular")
        assert regular.count() == 30 and regular.filter(household__commune__code="90001").count() == 30
        assert ReviewRequest.objects.filter(ask="enter", outcome="").count() == 30
        assert regular.filter(reviewer__username="canbo1").exists()
    assert Review.objects.filter(household__commune__code="90001", recognised_by=chairman).count() == (
        commune.count() * 5
    )

    province_officer = User.objects.get(username="tinh1")
    assert household_selectors.household_scope(user=province_officer).count() == DEMO_HOUSEHOLDS
    page = _login(client, "tinh1").content.decode()
    for name in ("Xã Tân Minh", "Phường Đông Thành", "Xã Minh Sơn", "Xã Phiêng Côn"):  # predecessors included
        assert name in page

    from credit import selectors as credit_selectors
    from credit.models import Loan

    officer = User.objects.get(username="tindung1")
    assert {c.code for c in user_scope(officer).communes(whole=True)} >= {"90001", "90002"}
    loans = credit_selectors.loan_scope(user=officer)
    assert 0 < loans.count() < Loan.objects.count()
    assert loans.filter(household__village__code__in=["90001-01", "90001-02"]).exists()
    # every commune's planned loans are written (all of them: the credit app writes them in bulk)
    from synthetic.models import SyntheticRun

    run = SyntheticRun.objects.get()
    assert run.counts["loans"] == Loan.objects.filter(disbursed_on__isnull=False).count() > 4_000
    for code in ("90001", "90002", "90003"):
        assert loans.model.objects.filter(commune__code=code).count() > 500, code
    assert {c.code for c in Commune.objects.filter(valid_to__isnull=True, households__isnull=False)} == set(
        Loan.objects.values_list("commune__code", flat=True)
    )
    assert Loan.objects.filter(commune__code="90002").count() == loans.filter(commune__code="90002").count()
    assert _login(client, "tindung1").status_code == 200
    # the group leader leads the savings-and-loan group of Thôn Nà Lầu, and sees what its members owe
    page = _login(client, "totruong1")
    assert page.redirect_chain[-1][0].endswith("/credit/group/")
    assert "Thôn Nà Lầu" in page.content.decode()
    assert _login(client, "admin").redirect_chain[-1][0].startswith("/admin")


@pytest.mark.django_db(transaction=True)
def test_demo_reset_starts_over(monkeypatch):
    monkeypatch.setattr("synthetic.demo.DEMO_HOUSEHOLDS", 3_000)  # the semantics of --reset, at a smaller size
    call_command("demo")
    User.objects.create(username="extra")
    call_command("demo", "--reset")
    assert not User.objects.filter(username="extra").exists()
    assert User.objects.filter(username="canbo1").exists()
    assert Household.objects.count() == 3_000 and Review.objects.filter(status="recognised").count() == 15_000
