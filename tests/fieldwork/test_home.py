"""The cadre's home page: villages, reviews under way, Form 04 requests, loan status without amounts."""

from datetime import date

from households import services as household_services
from tests.credit.factories import group_with_members, loan_through
from tests.households.factories import HouseholdFactory


def test_cadre_home_shows_reviews_under_way_and_loan_status_without_amounts(client, users, province):
    household = HouseholdFactory(village=province["a1"])
    household_services.review_record(
        household=household, review_date=date(2025, 10, 1), income_per_capita=1_000_000, deprived={"nutrition"}
    )
    outside = HouseholdFactory(village=province["b1"])  # commune b: not the cadre's
    household_services.review_record(
        household=outside, review_date=date(2025, 10, 1), income_per_capita=1_000_000, deprived=set()
    )
    group, members = group_with_members(province["a1"], members=3)
    loan_through(members[0], group, amount=30_000_000)
    other_group, other_members = group_with_members(province["b1"], members=3)
    loan_through(other_members[0], other_group, amount=20_000_000)

    client.force_login(users["cadre"])
    response = client.get("/fieldwork/")
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["pending"] == {"draft": 1}  # the review in commune b is not counted
    assert [(code, n) for _label, code, n in response.context["loans"]] == [
        ("repaying", 1),
        ("overdue", 0),
        ("extended", 0),
        ("frozen", 0),
    ]
    assert "30.000.000" not in body and "30,000,000" not in body  # no amounts for the cadre
