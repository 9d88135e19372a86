"""The periodic review of late 2026 under way in the demo: the first one under the 2027-2030 standard.

The periodic review carried out in September-December 2026 sets the lists of 2027, so it applies the standard in
force on 1 January 2027 (Decree 351/2025; households.poverty.standard_for_review decides it, not this module). In the
demo it is under way in one village of each demo cadre of Xã Tân Minh: in Thôn Nà Lầu (canbo1) the village meeting
has agreed the results and half are posted publicly, waiting for the chairman; in the other village (canbo2) the
reviews are drafts. Each household's income and the deprivations the household decides are the generator's for 2026
(synthetic.generator ``after``), kept where the 2027-2030 standard has the indicator; the member-derived indicators
come from the members' records on the review day. Everything goes through the households services (validation,
standard, classification, workflow), each review with a submission key so a second run records nothing.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from accounts.models import User
from households.models import Review

#: Review days of the demo's periodic review (one per household, in turn); none after today.
REVIEW_DAYS = (date(2026, 11, 3), date(2026, 11, 10), date(2026, 11, 17))
#: Village → (its cadre, how far its reviews have gone).
VILLAGES = {"90001-01": ("canbo1", "posted"), "90001-03": ("canbo2", "draft")}
KEY_PREFIX = "demo-periodic-2026-"


def demo_periodic_review(*, households: int, seed: int, province=None) -> int:
    """Record the demo's late-2026 periodic reviews (see the module docstring); how many exist afterwards."""
    import numpy as np

    from households import services
    from households.derivation import derive_indicators
    from households.models import Household

    from . import generator as G
    from .generator import generate

    today = timezone.localdate()
    days = [d for d in REVIEW_DAYS if d <= today]
    if not days:
        return 0
    existing = Review.objects.filter(submission_key__startswith=KEY_PREFIX).count()
    if existing:
        return existing
    book = services.StandardBook.load()
    if province is None:
        province = generate(households, seed, standards=list(book.pure.values()))
    codes = np.array(province.household_codes())
    index = {code: i for i, code in enumerate(codes.tolist())}
    users = {u.username: u for u in User.objects.filter(username__in=[c for c, _ in VILLAGES.values()])}
    household_decided = set(G.HOUSEHOLD_DECIDED) | {"employment"}
    count = 0
    for village, (username, reach) in VILLAGES.items():
        cadre = users.get(username)
        rows = (
            Household.objects.filter(village__code=village)
            .select_related("commune__province", "village")
            .prefetch_related("members")
            .order_by("code")
        )
        for n, household in enumerate(rows):
            i = index.get(household.code)
            if i is None:  # a household added by hand in the demo: not the generator's
                continue
            day = days[n % len(days)]
            _row, standard = book.for_review(day, Review.Kind.PERIODIC, household.commune.province.code)
            decided = {c for b, c in enumerate(G.LOCAL_INDICATORS) if province.after.deprived[i] >> b & 1}
            derived = derive_indicators(services.member_facts(household), day)
            deprived = (decided & household_decided) | {code for code, value in derived.items() if value}
            review = services.review_record(
                household=household,
                review_date=day,
                kind=Review.Kind.PERIODIC,
                income_per_capita=int(province.after.income[i]),
                deprived=deprived & set(standard.indicators),
                by=cadre,
                book=book,
                submission_key=f"{KEY_PREFIX}{household.code}",
                source="synthetic",
            )
            if reach == "posted":
                review = services.review_advance(review=review, to=Review.Status.VILLAGE_AGREED, by=cadre)
                if n % 2 == 0:
                    services.review_advance(review=review, to=Review.Status.POSTED, by=cadre)
            count += 1
    return count
