"""The demo's periodic review of late 2026, the first under the 2027-2030 standard (synthetic.demo_periodic)."""

import pytest

from households.models import Review
from synthetic.demo import demo_accounts
from synthetic.demo_periodic import KEY_PREFIX, VILLAGES, demo_periodic_review
from synthetic.service import synthetic_province_build

HOUSEHOLDS, SEED = 3_000, 11


@pytest.mark.django_db
def test_periodic_review_of_2026_applies_the_2027_2030_standard_and_records_once():
    synthetic_province_build(households=HOUSEHOLDS, seed=SEED, max_loans=0)
    demo_accounts()
    recorded = demo_periodic_review(households=HOUSEHOLDS, seed=SEED)
    reviews = Review.objects.filter(submission_key__startswith=KEY_PREFIX)
    assert recorded == reviews.count() > 20
    assert set(reviews.values_list("list_year", "kind", "standard__code").distinct()) == {
        (2027, "periodic", "2027-2030")
    }
    in_village = {v: reviews.filter(household__village__code=v) for v in VILLAGES}
    assert in_village["90001-01"].count() + in_village["90001-03"].count() == recorded
    assert set(in_village["90001-01"].values_list("status", flat=True)) == {"village_agreed", "posted"}
    assert set(in_village["90001-03"].values_list("status", flat=True)) == {"draft"}
    assert set(in_village["90001-01"].values_list("reviewer__username", flat=True)) == {"canbo1"}
    # every household of the two villages once; the recognised 2026 lists are untouched
    assert reviews.values("household").distinct().count() == recorded
    assert not reviews.filter(status="recognised").exists()
    assert demo_periodic_review(households=HOUSEHOLDS, seed=SEED) == recorded
    assert reviews.count() == recorded
