import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.scope import user_scope
from areas.models import Commune
from synthetic.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


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


@pytest.mark.django_db(transaction=True)
def test_demo_reset_starts_over():
    call_command("demo")
    User.objects.create(username="extra")
    call_command("demo", "--reset")
    assert not User.objects.filter(username="extra").exists()
    assert User.objects.filter(username="canbo1").exists()
