from datetime import timedelta

import pytest
from django.utils import timezone

from tests.credit.factories import group_with_members


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def days_ago(today):
    return lambda n: today - timedelta(days=n)


@pytest.fixture
def group_a1(users, province):
    """An approved group of village a1 led by the group leader, with three poor member households."""
    group, households = group_with_members(province["a1"], leader=users["group_leader"], members=3)
    return group, households


@pytest.fixture
def group_b1(users, province):
    """A group of commune b (served by the credit officer, not by the chairman or the group leader)."""
    return group_with_members(province["b1"], members=3)


@pytest.fixture
def group_c1(users, province):
    """A group in the other province (nobody but the superuser sees it)."""
    return group_with_members(province["c1"], members=3)


@pytest.fixture(autouse=True)
def _credit_seed_after_flush(request):
    """Transactional tests flush the tables, the seeded programmes and rates included; put them back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        from credit.seed import reference_data_ensure

        request.getfixturevalue("transactional_db")
        reference_data_ensure()
    yield
