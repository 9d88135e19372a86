"""Factories for households, members and reviews (Faker in vi_VN)."""

from __future__ import annotations

from datetime import date

import factory
from factory.django import DjangoModelFactory

from households import services
from households.ethnicity import fold
from households.models import Household, Member


class HouseholdFactory(DjangoModelFactory[Household]):
    class Meta:
        model = Household

    village = None  # required: pass village=
    commune = factory.LazyAttribute(lambda o: o.village.commune)
    code = factory.Sequence(lambda n: f"H{n:05d}")
    head_name = factory.Faker("name", locale="vi_VN")
    head_name_folded = factory.LazyAttribute(lambda o: fold(o.head_name))
    area_type = factory.LazyAttribute(lambda o: o.commune.area_type)
    size = 4


class MemberFactory(DjangoModelFactory[Member]):
    class Meta:
        model = Member

    household = None
    full_name = factory.Faker("name", locale="vi_VN")
    full_name_folded = factory.LazyAttribute(lambda o: fold(o.full_name))
    sex = "male"
    relation = "head"
    birth_date = date(1980, 5, 1)
    has_health_insurance = True
    education = "upper_secondary"
    employment = "stable"


def recognised_review(household, *, review_date, income, deprived=(), kind="periodic", by=None):
    """Record a review and take it through the workflow to recognised (as the services do)."""
    review = services.review_record(
        household=household, review_date=review_date, kind=kind, income_per_capita=income, deprived=set(deprived), by=by
    )
    for step in ("village_agreed", "posted", "recognised"):
        review = services.review_advance(review=review, to=step, by=by)
    return review
