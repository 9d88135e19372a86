"""``manage.py synth`` writes a province that follows the project's rules, the same one for the same seed."""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection

from households.derivation import derive_indicators
from households.ethnicity import fold
from households.models import Household, Member, Review
from households.national_id import national_id_problem
from households.poverty import classify, list_year_for_review
from households.services import StandardBook, member_facts
from households.transitions import transition
from synthetic import generator as G
from synthetic import rates as R
from synthetic.models import SyntheticRun
from synthetic.report import stored_rates

SMALL, SEED = 2_500, 20251001


def _synth(households: int = SMALL, seed: int = SEED, max_loans: int = 0) -> str:
    """The credit app writes each loan through its services (tens of ms): most tests write none."""
    out = io.StringIO()
    call_command("synth", households=households, seed=seed, max_loans=max_loans, stdout=out)
    return out.getvalue()


def _digest() -> str:
    """sha256 of every synthetic row as it is stored (ids and write times left out)."""
    h = hashlib.sha256()
    households = Household.objects.order_by("commune__code", "code").values_list(
        "code", "commune__code", "village__code", "address", "head_name", "head_ethnicity", "area_type", "size",
        "female_headed", "has_disabled_member", "latest_classification", "latest_transition", "latest_list_year",
    )  # fmt: skip
    members = Member.objects.order_by("household__commune__code", "household__code", "id").values_list(
        "household__code", "full_name", "birth_date", "sex", "relation", "ethnicity", "national_id",
        "has_disability", "has_health_insurance", "schooling", "education", "in_training", "employment",
    )  # fmt: skip
    reviews = Review.objects.order_by("household__commune__code", "household__code", "list_year").values_list(
        "household__code", "kind", "review_date", "list_year", "standard__code", "income_per_capita",
        "household_size", "deprived_mask", "derived_mask", "deprivation_count", "classification", "transition",
        "status", "village_agreed_at", "posted_at", "recognised_at",
    )  # fmt: skip
    for rows in (households, members, reviews):
        for row in rows.iterator(chunk_size=5_000):
            h.update(repr(row).encode())
    return h.hexdigest()


@pytest.mark.django_db
def test_synth_writes_a_province_that_follows_the_projects_rules():
    output = _synth()
    assert "2,500 households" in output and "recognised reviews" in output
    assert Household.objects.count() == SMALL
    assert Review.objects.filter(status="recognised", kind="periodic", source="synthetic").count() == SMALL * 5
    run = SyntheticRun.objects.get()
    assert run.finished_at is not None and run.counts["households"] == SMALL

    book = StandardBook.load()
    member_bits = {code: book.indicator_bits[code] for code in G.MEMBER_DERIVED}
    member_mask = sum(1 << bit for bit in member_bits.values())
    households = Household.objects.select_related("commune__province").prefetch_related("members")
    reviews = defaultdict(list)
    for review in Review.objects.order_by("household_id", "list_year"):
        reviews[review.household_id].append(review)
    seen_ids: set[str] = set()
    for household in households:
        history = reviews[household.pk]
        assert [r.list_year for r in history] == [2022, 2023, 2024, 2025, 2026]
        for k, review in enumerate(history):
            std_row, std = book.for_review(review.review_date, "periodic", "90")
            assert review.standard_id == std_row.pk
            assert review.list_year == list_year_for_review(review.review_date, "periodic")
            codes = book.codes(review.deprived_mask)
            assert review.deprivation_count == len(codes)
            assert review.classification == classify(
                std, area=household.area_type, income_per_capita=review.income_per_capita, deprived=codes
            )
            assert review.transition == transition([r.classification for r in history[: k + 1]])
            assert review.deprived_mask & member_mask == review.derived_mask
            assert review.recognised_at > review.posted_at > review.village_agreed_at
        latest = history[-1]
        assert (household.latest_classification, household.latest_transition, household.latest_list_year) == (
            latest.classification,
            latest.transition,
            latest.list_year,
        )
        # the latest review's member-derived indicators are what the member records say on its day
        derived = derive_indicators(member_facts(household), latest.review_date)
        assert latest.derived_mask == book.mask(code for code, value in derived.items() if value)
        members = list(household.members.all())
        assert latest.household_size == household.size == len(members)
        head = members[0]
        assert head.relation == "head" and household.head_name == head.full_name
        assert household.female_headed == (head.sex == "female")
        assert household.has_disabled_member == any(m.has_disability for m in members)
        for member in members:
            assert member.full_name_folded == fold(member.full_name)
            if member.national_id:
                assert national_id_problem(member.national_id, birth_date=member.birth_date, sex=member.sex) is None
                assert member.national_id not in seen_ids
                seen_ids.add(member.national_id)
    assert len(seen_ids) > SMALL  # every adult has one
    # a sample of rows passes the models' own validation (choices, lengths, constraints), as a form's would
    for household in Household.objects.order_by("pk")[:60]:
        household.full_clean()
        for member in household.members.all():
            member.full_clean()
        for review in household.reviews.all():
            review.full_clean()


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_rows():
    _synth()
    first = _digest()
    _synth()  # replaces the synthetic province
    assert Household.objects.count() == SMALL
    assert _digest() == first
    _synth(seed=SEED + 1)
    assert _digest() != first


@pytest.mark.django_db
def test_report_prints_the_stored_rates_which_are_the_generated_ones():
    _synth()
    out = io.StringIO()
    call_command("synth", report=True, stdout=out)
    text = out.getvalue()
    for needle in ("poor %", "near %", "fell back", "newly poor", "kinh", "minority", "2022", "2026", "pooled"):
        assert needle in text
    province = G.generate(SMALL, SEED, standards=list(StandardBook.load().pure.values()))
    expected = R.rates(
        province.reviews.classification,
        province.reviews.transition,
        G.MINORITY[province.households.ethnicity],
        [2022, 2023, 2024, 2025, 2026],
        G.TRANSITIONS,
    )
    assert stored_rates() == expected
    poor = [expected["all"][y]["poor_rate"] for y in (2022, 2026)]
    assert 0.07 <= poor[0] <= 0.115 and poor[1] < poor[0] - 0.03


@pytest.mark.django_db
def test_synth_puts_back_every_index_and_constraint():
    if connection.vendor != "postgresql":
        pytest.skip("the index and foreign-key deferral is PostgreSQL's")

    def schema() -> set:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                "('households_household', 'households_member', 'households_review')"
            )
            indexes = set(cursor.fetchall())
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid), condeferrable, condeferred FROM pg_constraint "
                "WHERE conrelid::regclass::text IN ('households_household', 'households_member', 'households_review')"
            )
            return indexes | set(cursor.fetchall())

    before = schema()
    _synth(households=500)
    assert schema() == before


@pytest.mark.django_db
def test_loans_reach_the_database_through_the_credit_app_as_planned():
    from credit.models import Loan

    output = _synth(households=1_000, max_loans=60)
    province = G.generate(1_000, SEED, standards=list(StandardBook.load().pure.values()))
    loans = Loan.objects.select_related("program", "household").order_by("household__code", "disbursed_on")
    assert 50 <= loans.count() <= 60
    planned = {
        (
            f"{province.layout.villages[province.households.village[h]].code}-{province.households.number[h]:04d}",
            G.PROGRAMMES[p],
            int(a),
        )
        for h, p, a in zip(province.loans.household, province.loans.programme, province.loans.amount, strict=True)
    }
    for loan in loans:
        assert (loan.household.code, loan.program.code, loan.amount) in planned
    run = SyntheticRun.objects.get()
    assert run.counts["loans"] == loans.count() and run.loans_written
    assert f"{len(province.loans.household):,} planned, {loans.count()} written" in output
    _synth(households=1_000)  # a new synthetic province takes the old one's loans away
    assert not Loan.objects.exists()


def test_national_ids_of_a_million_households_stay_unique():
    """The redraw of repeated numbers, on a province big enough to have some."""
    from synthetic.generator import _national_ids

    province = G.generate(200, 3)
    members = province.members
    # pretend every member is born the same day of the same sex in the same place: collisions are certain
    n = 300_000
    fake = G.Members(**{name: np.resize(getattr(members, name), n) for name in members.__dataclass_fields__})
    fake.household = np.zeros(n, dtype=np.int64)
    fake.birth = np.full(n, np.datetime64("1980-05-01"))
    fake.sex = np.zeros(n, dtype=np.int8)
    fake.died = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    ids = _national_ids(fake, np.array([np.datetime64("2025-10-15")]), 3)
    assert len(np.unique(ids)) == n
