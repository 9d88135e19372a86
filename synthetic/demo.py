"""The demo: a synthetic province and one account per role, all with the password ``sinhke-demo``.

``build_demo`` writes the synthetic province of ``DEMO_HOUSEHOLDS`` households (``synthetic.service``: households,
members, five years of recognised reviews, and loans once the credit app takes them), then the demo accounts with
the areas they serve. Idempotent: when a finished synthetic province is already in the database (``SyntheticRun``),
it is reused as it is, whatever its size; ``demo --reset`` empties the database and starts over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from accounts.models import User
from accounts.services import roles_ensure, user_area_grant, user_roles_set
from areas.models import Commune, Province, Village
from areas.services import areas_import_csv
from households.models import Review

from . import areas as synthetic_areas
from .progress import TextProgress
from .writer import existing_run

DEMO_PASSWORD = "sinhke-demo"  # noqa: S105 (documented demo password)
DEMO_COMMUNE = "90001"
DEMO_HOUSEHOLDS = 20_000
DEMO_SEED = 2025
#: Loans written for the demo: all that the province plans (None; the credit app writes them in bulk, 6,255
#: for 20,000 households, in every commune — Xã Tân Minh and Xã Hồng Phong of the credit officer included).
DEMO_MAX_LOANS: int | None = None


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str | None
    areas: tuple[tuple[str, str], ...]  # (level, code)
    sees: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "Quản trị hệ thống", None, (), "the admin site: areas, users, standards, programmes"),
    DemoAccount("tinh1", "Lê Thị Hoa", "province_officer", (("province", "90"),), "every commune of the province"),
    DemoAccount("chutich1", "Hoàng Văn Quân", "chairman", (("commune", DEMO_COMMUNE),), "Xã Tân Minh, whole"),
    DemoAccount(
        "tindung1",
        "Nông Thị Lan",
        "credit_officer",
        (("commune", DEMO_COMMUNE), ("commune", "90002")),
        "the loans of Xã Tân Minh and Xã Hồng Phong",
    ),
    DemoAccount(
        "totruong1",
        "Ma Văn Hùng",
        "group_leader",
        (("village", "90001-01"),),
        "the savings-and-loan group of Thôn Nà Lầu",
    ),
    DemoAccount(
        "canbo1",
        "Triệu Thị Mai",
        "cadre",
        (("village", "90001-01"), ("village", "90001-02")),
        "households of Thôn Nà Lầu and Thôn Khuổi Pết",
    ),
    DemoAccount(
        "canbo2",
        "Lý Văn Sáng",
        "cadre",
        (("village", "90001-03"), ("village", "90001-04")),
        "households of Bản Phiêng Luông and Thôn Đồng Tâm",
    ),
)

AREA_MODELS = {"province": Province, "commune": Commune, "village": Village}
CADRE_VILLAGES = {"canbo1": ["90001-01", "90001-02"], "canbo2": ["90001-03", "90001-04"]}
#: Regular reviews under way in the demo: households of Xã Tân Minh hit by a shock in 2026 asked in October (Form 04)
#: to be reviewed; the review of 15 November is recorded, some agreed at the village meeting, some posted.
REGULAR_REVIEW_DAY = date(2026, 11, 15)
DEMO_PENDING_REVIEWS = 30


def demo_areas() -> None:
    """The five named communes with their villages (the synthetic province writes its own, larger, layout)."""
    result = areas_import_csv(data=synthetic_areas.area_csv())
    if result.errors:  # the generator and the importer disagree: a bug, say it loudly
        raise RuntimeError("synthetic areas failed validation: " + "; ".join(map(str, result.errors)))


@transaction.atomic
def demo_accounts() -> list[User]:
    roles_ensure()
    users = []
    for spec in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(username=spec.username, defaults={"full_name": spec.full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            if spec.role is None:
                user.is_superuser = user.is_staff = True
            user.save()
        if spec.role:
            user_roles_set(user=user, roles=[spec.role])
        for level, code in spec.areas:
            user_area_grant(user=user, area=AREA_MODELS[level].objects.get(code=code))
        users.append(user)
    return users


@transaction.atomic
def demo_reviewers() -> None:
    """Name the demo people on the reviews of their villages: the cadres reviewed, met the village and posted the
    lists of their villages; the chairman of Xã Tân Minh recognised the commune's lists (one update per person)."""
    users = {u.username: u for u in User.objects.filter(username__in=["canbo1", "canbo2", "chutich1"])}
    recognised = Review.objects.filter(source="synthetic", status=Review.Status.RECOGNISED, kind=Review.Kind.PERIODIC)
    for username, villages in CADRE_VILLAGES.items():
        recognised.filter(household__village__code__in=villages).update(
            reviewer=users[username], village_agreed_by=users[username], posted_by=users[username]
        )
    recognised.filter(household__commune__code=DEMO_COMMUNE).update(recognised_by=users["chutich1"])


def demo_reviews_in_progress(*, households: int, seed: int) -> int:
    """Form 04 requests and regular reviews under way in Xã Tân Minh, through the households services (idempotent:
    each review carries a submission key). The households are those the generator hit with a shock in 2026, not poor
    on the 2026 list, their income under 1.3 times the line; their income and the deprivations their household
    decides are the generator's for 2026, the member-derived ones come from their member records. Returns how many
    reviews are under way; none before the review day (the service refuses a review dated in the future)."""
    import numpy as np
    from django.utils import timezone

    from households import services
    from households.derivation import derive_indicators
    from households.models import Household

    from . import generator as G
    from .generator import generate

    if timezone.localdate() < REGULAR_REVIEW_DAY:
        return 0
    existing = Review.objects.filter(submission_key__startswith="demo-regular-").count()
    if existing:
        return existing
    book = services.StandardBook.load()
    province = generate(households, seed, standards=list(book.pure.values()))
    layout = province.layout
    hh = province.households
    commune = [c.code for c in layout.communes].index(DEMO_COMMUNE)
    codes = np.array(province.household_codes())
    shocked = province.shocks[:, G.ALL_YEARS.index(REGULAR_REVIEW_DAY.year)].any(axis=1)
    chosen = np.nonzero(
        (hh.commune == commune)
        & shocked
        & (province.reviews.classification[:, -1] > 0)
        & (province.after.income <= 1.3 * 1_500_000)
    )[0]
    in_demo_villages = np.array([codes[i][:8] in {"90001-01", "90001-02", "90001-03", "90001-04"} for i in chosen])
    chosen = np.concatenate([chosen[in_demo_villages], chosen[~in_demo_villages]])[:DEMO_PENDING_REVIEWS]
    by_code = {
        h.code: h
        for h in Household.objects.filter(code__in=codes[chosen].tolist())
        .select_related("commune__province", "village")
        .prefetch_related("members")
    }
    users = {u.username: u for u in User.objects.filter(username__in=CADRE_VILLAGES)}
    cadre_of = {v: users.get(name) for name, villages in CADRE_VILLAGES.items() for v in villages}
    household_codes = set(G.HOUSEHOLD_DECIDED) | {"employment"}
    count = 0
    for n, i in enumerate(chosen.tolist()):
        household = by_code[codes[i]]
        cadre = cadre_of.get(household.village.code)
        services.review_request_receive(
            household=household, ask="enter", received_on=REGULAR_REVIEW_DAY - timedelta(days=26 - n % 20), by=cadre
        )
        decided = {c for b, c in enumerate(G.LOCAL_INDICATORS) if province.after.deprived[i] >> b & 1}
        derived = derive_indicators(services.member_facts(household), REGULAR_REVIEW_DAY)
        deprived = (decided & household_codes) | {code for code, value in derived.items() if value}
        review = services.review_record(
            household=household,
            review_date=REGULAR_REVIEW_DAY,
            kind=Review.Kind.REGULAR,
            income_per_capita=int(province.after.income[i]),
            deprived=deprived,
            by=cadre,
            book=book,
            submission_key=f"demo-regular-{household.code}",
            source="synthetic",
        )
        for step in (Review.Status.VILLAGE_AGREED, Review.Status.POSTED)[: n % 3]:
            review = services.review_advance(review=review, to=step, by=cadre)
        count += 1
    return count


def reference_data_ensure() -> None:
    """Put back the rows the data migrations seed (standards and indicators, credit programmes and rates), which a
    flush empties with everything else: each app's own idempotent seeding function."""
    from households.seed import standards_ensure

    standards_ensure()
    try:
        from credit.seed import reference_data_ensure as credit_reference_data_ensure
    except ImportError:  # the credit app without its seed yet
        return
    credit_reference_data_ensure()


def build_demo(*, stdout=None, households: int | None = None, seed: int = DEMO_SEED) -> None:
    from .service import synthetic_province_build

    households = households or DEMO_HOUSEHOLDS
    reference_data_ensure()  # seeded rows may be gone after a flush (idempotent, a few queries)

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    run = existing_run()
    if run is not None:
        say(
            f"Reusing the synthetic province already in the database: {run.counts.get('households', 0):,} households "
            f"(seed {run.seed}). `python manage.py demo --reset` starts over."
        )
    else:
        say(f"Synthetic province of {households:,} households (seed {seed})…")
        progress = TextProgress(stdout, "[demo]") if stdout is not None else None
        result = synthetic_province_build(
            households=households,
            seed=seed,
            progress=progress,
            max_loans=DEMO_MAX_LOANS,
        )
        say(
            f"{result.households:,} households, {result.members:,} members, {result.reviews:,} recognised reviews"
            + ("" if result.loans is None else f", {result.loans:,} loans")
            + f" in {result.seconds.get('total', 0):.0f} s."
        )
    say("Demo accounts…")
    demo_accounts()
    demo_reviewers()
    if run is None:  # a new province: the credit app's demo touches (the group leader's group, waiting applications…)
        from . import credit_hook, params

        credit_hook.demo_extras(as_of=params.AS_OF, seed=seed)
    current = existing_run()
    if current is not None:
        pending = demo_reviews_in_progress(households=current.households, seed=current.seed)
        if pending:
            say(f"{pending} regular reviews under way in Xã Tân Minh (Form 04 requests after a shock in 2026).")
        from .demo_periodic import demo_periodic_review

        periodic = demo_periodic_review(households=current.households, seed=current.seed)
        if periodic:
            say(f"{periodic} periodic reviews of late 2026 under way (2027 lists, 2027-2030 standard).")
    say("Done. Log in at http://127.0.0.1:8000/ with any demo account; the password is " + DEMO_PASSWORD)
