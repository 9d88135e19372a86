"""The Alkire-Foster report and the official rates over a province of 1,000,000 households (design.md §7: ≤ 3 s).

The data: one province of 100 communes × 20 villages × 500 households, each with a recognised periodic review for
the list years 2024, 2025 and 2026, and 1 % of households a later recognised regular review in each year (so the
"latest recognised review" rule is exercised). Deprivations, income and classification come from a seeded latent
model (poverty higher in disadvantaged communes and among ethnic-minority households, falling over the years).
Households and reviews are written with PostgreSQL COPY (psycopg's ``cursor.copy``); a second run reuses the rows.

Figures: the province-wide report (by commune, by village, by ethnicity), the database read against the pandas /
numpy compute, the official rates over three years, and the report page end to end (HTML, as the province officer).
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import time
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
from django.db import connection

from config.bulk import copy_frame

BUDGET = {"af_report_province_seconds": 3.0}  # design.md §7

PROVINCE = "B7"
COMMUNES, VILLAGES, PER_VILLAGE = 100, 20, 500
HOUSEHOLDS = COMMUNES * VILLAGES * PER_VILLAGE
YEARS = (2024, 2025, 2026)
REGULAR_SHARE = 0.01
REPEATS = 3
SEED = 20250901

HOUSEHOLD_COLUMNS = [
    "id", "code", "address", "head_name", "head_name_folded", "head_ethnicity", "area_type", "size", "female_headed",
    "has_disabled_member", "latest_classification", "latest_transition", "latest_list_year", "version", "created_at",
    "updated_at", "commune_id", "village_id",
]  # fmt: skip
REVIEW_COLUMNS = [
    "kind", "review_date", "list_year", "income_per_capita", "household_size", "deprived_mask", "derived_mask",
    "overrides", "deprivation_count", "classification", "transition", "status", "source", "version", "created_at",
    "household_id", "standard_id", "recognised_at",
]  # fmt: skip
MINORITY_CODES = np.array(["02", "03", "06", "07", "08", "09", "12", "13"])


# --- the data ---------------------------------------------------------------------------------------------------
def _area_csv() -> bytes:
    from areas.services import AREA_CSV_HEADER, AREA_CSV_OPTIONAL

    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=AREA_CSV_HEADER + AREA_CSV_OPTIONAL, lineterminator="\n")
    w.writeheader()
    w.writerow({"level": "province", "code": PROVINCE, "name": "Tỉnh Đo Báo Cáo"})
    for c in range(COMMUNES):
        code = f"{PROVINCE}{c:04d}"
        w.writerow(
            {
                "level": "commune",
                "code": code,
                "name": f"Xã Đo {c + 1}",
                "parent_code": PROVINCE,
                "area_type": "rural",
                "disadvantaged": "1" if c % 5 == 0 else "0",
            }
        )
        for v in range(VILLAGES):
            w.writerow({"level": "village", "code": f"{code}-{v:02d}", "name": f"Thôn {v + 1}", "parent_code": code})
    return out.getvalue().encode()


def _existing_rows() -> tuple[int, int]:
    from households.models import Household, Review

    households = Household.objects.filter(commune__province__code=PROVINCE).count()
    reviews = Review.objects.filter(household__commune__province__code=PROVINCE, status="recognised").count()
    return households, reviews


def _copy(table: str, columns: list[str], frame: pd.DataFrame, *, blank: list[str]) -> None:
    """COPY ``frame``'s ``columns`` into ``table`` (config.bulk.copy_frame); ``blank`` columns take "" for empty."""
    copy_frame(table, frame[columns], blank=tuple(blank))


def _classify(income: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The 2022-2025 rural rule (domain.md §9.1), vectorised."""
    under = income <= 1_500_000
    return np.select(
        [under & (count >= 3), under, income <= 2_250_000], ["poor", "near_poor", "average"], default="non_poor"
    )


def build() -> dict:
    """Create the province and its 1,000,000 households and reviews (or reuse them); returns what was done."""
    from areas.models import Commune, Village
    from areas.services import areas_import_csv
    from households.models import Indicator, PovertyStandard

    expected_reviews = HOUSEHOLDS * len(YEARS) + int(HOUSEHOLDS * REGULAR_SHARE) * len(YEARS)
    households, reviews = _existing_rows()
    if households == HOUSEHOLDS and reviews == expected_reviews:
        return {"reused": True, "households": households, "reviews": reviews, "seconds": 0.0}

    started = time.perf_counter()
    result = areas_import_csv(data=_area_csv())
    assert result.ok, result.errors[:5]
    with connection.cursor() as cursor:  # a half-built earlier run: start again
        cursor.execute(
            "DELETE FROM households_review r USING households_household h, areas_commune c, areas_province p "
            "WHERE r.household_id = h.id AND h.commune_id = c.id AND c.province_id = p.id AND p.code = %s",
            [PROVINCE],
        )
        cursor.execute(
            "DELETE FROM households_household h USING areas_commune c, areas_province p "
            "WHERE h.commune_id = c.id AND c.province_id = p.id AND p.code = %s",
            [PROVINCE],
        )
    communes = list(Commune.objects.filter(province__code=PROVINCE).order_by("code").values_list("pk", "disadvantaged"))
    village_ids = dict(Village.objects.filter(commune__province__code=PROVINCE).values_list("code", "pk"))  # code → pk
    standard = PovertyStandard.objects.get(code="2022-2025", province=None)
    bits = np.array(sorted(Indicator.objects.filter(standards=standard).values_list("bit", flat=True)), dtype=np.int64)

    rng = np.random.default_rng(SEED)
    n = HOUSEHOLDS
    commune_index = np.repeat(np.arange(COMMUNES), VILLAGES * PER_VILLAGE)
    village_index = np.tile(np.repeat(np.arange(VILLAGES), PER_VILLAGE), COMMUNES)
    commune_pk = np.array([pk for pk, _d in communes], dtype=np.int64)[commune_index]
    disadvantaged = np.array([d for _pk, d in communes], dtype=bool)[commune_index]
    village_codes = [f"{PROVINCE}{c:04d}-{v:02d}" for c in range(COMMUNES) for v in range(VILLAGES)]
    village_pk = np.array([village_ids[code] for code in village_codes], dtype=np.int64)[
        commune_index * VILLAGES + village_index
    ]
    minority = rng.random(n) < np.where(disadvantaged, 0.85, 0.2)
    ethnicity = np.where(minority, MINORITY_CODES[rng.integers(0, len(MINORITY_CODES), n)], "01")
    size = np.clip(1 + rng.poisson(2.8, n), 1, 12)
    latent = rng.normal(0, 1, n) + 0.8 * disadvantaged + 0.6 * minority

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM households_household")
        base = cursor.fetchone()[0]
    ids = base + 1 + np.arange(n, dtype=np.int64)
    now = datetime.now(UTC).isoformat()
    codes = pd.Series(ids).astype(str).radd("HB")
    _copy(
        "households_household",
        HOUSEHOLD_COLUMNS,
        pd.DataFrame(
            {
                "id": ids,
                "code": codes,
                "address": "",
                "head_name": "Hộ đo " + codes,
                "head_name_folded": "ho do " + codes.str.lower(),
                "head_ethnicity": ethnicity,
                "area_type": "rural",
                "size": size,
                "female_headed": rng.random(n) < 0.25,
                "has_disabled_member": rng.random(n) < 0.08,
                "latest_classification": "",
                "latest_transition": "",
                "latest_list_year": None,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "commune_id": commune_pk,
                "village_id": village_pk,
            }
        ),
        blank=["address", "latest_classification", "latest_transition"],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('households_household', 'id'), "
            "(SELECT MAX(id) FROM households_household))"
        )

    thresholds = np.linspace(1.1, 2.4, len(bits))
    for t, year in enumerate(YEARS):
        # Poverty falls over the years, faster in disadvantaged communes and among ethnic-minority households.
        level = latent - t * (0.12 + 0.12 * disadvantaged + 0.1 * minority)
        for kind, chosen, review_date in (
            ("periodic", np.arange(n), date(year - 1, 10, 15)),
            ("regular", np.sort(rng.choice(n, int(n * REGULAR_SHARE), replace=False)), date(year, 3, 16)),
        ):
            m = len(chosen)
            shock = 0.6 if kind == "regular" else 0.0
            deprived = (level[chosen, None] + shock + rng.normal(0, 1, (m, len(bits)))) > thresholds[None, :]
            mask = (deprived.astype(np.int64) << bits[None, :]).sum(axis=1)
            count = deprived.sum(axis=1)
            income = np.exp(15.0 - 0.35 * (level[chosen] + shock) + rng.normal(0, 0.3, m)).astype(np.int64) // 1000
            income *= 1000
            _copy(
                "households_review",
                REVIEW_COLUMNS,
                pd.DataFrame(
                    {
                        "kind": kind,
                        "review_date": review_date.isoformat(),
                        "list_year": year,
                        "income_per_capita": income,
                        "household_size": size[chosen],
                        "deprived_mask": mask,
                        "derived_mask": 0,
                        "overrides": "{}",
                        "deprivation_count": count,
                        "classification": _classify(income, count),
                        "transition": "",
                        "status": "recognised",
                        "source": "synthetic",
                        "version": 1,
                        "created_at": now,
                        "household_id": ids[chosen],
                        "standard_id": standard.pk,
                        "recognised_at": now,
                    }
                ),
                blank=["transition"],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE households_household")
        cursor.execute("ANALYZE households_review")
    households, reviews = _existing_rows()
    assert (households, reviews) == (HOUSEHOLDS, expected_reviews), (households, reviews)
    return {
        "reused": False,
        "households": households,
        "reviews": reviews,
        "seconds": round(time.perf_counter() - started, 1),
    }


# --- the measures -----------------------------------------------------------------------------------------------
def _officer():
    from accounts.models import User
    from accounts.scope import forget_scope
    from accounts.services import roles_ensure, user_area_grant, user_roles_set
    from areas.models import Province

    roles_ensure()
    officer, _created = User.objects.get_or_create(username="bench-af-province")
    user_roles_set(user=officer, roles=["province_officer"])
    user_area_grant(user=officer, area=Province.objects.get(code=PROVINCE))
    forget_scope(officer)
    return officer


def _timed(fn, repeats: int = REPEATS) -> tuple[float, list]:
    """The median wall time of ``repeats`` calls, and every call's result."""
    samples, values = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        values.append(fn())
        samples.append(time.perf_counter() - t)
    return statistics.median(samples), values


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (when the server runs on this machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run() -> dict:
    if connection.vendor != "postgresql":
        return {"skipped": "needs PostgreSQL (COPY and the budget are for PostgreSQL)"}
    from households import reports

    built = build()
    officer = _officer()
    year = YEARS[-1]
    figures: dict = {
        "data": built,
        "year": year,
        "repeats": REPEATS,
        "times": "median of the repeats, wall clock, seconds",
        "load_average_before": round(os.getloadavg()[0], 2),
    }
    reports.af_report(user=officer, year=year, by="commune")  # warm: imports, content types, the table in memory

    for label, kwargs in (
        ("by_commune", {"by": "commune"}),
        ("by_village", {"by": "village"}),
        ("by_ethnicity", {"by": "ethnicity"}),
        ("by_commune_person_weighted", {"by": "commune", "person_weighted": True}),
    ):
        cpu_db, cpu_py = _backend_cpu(), time.process_time()
        seconds, results = _timed(lambda kwargs=kwargs: reports.af_report(user=officer, year=year, **kwargs))
        cpu_db_after, cpu_py_after = _backend_cpu(), time.process_time()
        if label == "by_commune":
            by_commune = results[-1]
        figures[f"af_report_{label}_seconds"] = round(seconds, 3)
        figures[f"af_report_{label}_split"] = {
            "db_read_seconds": round(statistics.median(r.timings["read_seconds"] for r in results), 3),
            "compute_seconds": round(statistics.median(r.timings["compute_seconds"] for r in results), 3),
            "rows_read": results[-1].timings["rows"],
            "groups": len(results[-1].groups),
            "python_cpu_seconds_per_run": round((cpu_py_after - cpu_py) / REPEATS, 3),
            "db_leader_cpu_seconds_per_run": (
                round((cpu_db_after - cpu_db) / REPEATS, 3) if cpu_db is not None and cpu_db_after is not None else None
            ),
        }
    total = by_commune.total
    figures["province"] = {
        "households": total.current.n,
        "H_percent": round(total.current.H * 100, 2),
        "A_percent": round(total.current.A * 100, 2),
        "M0": round(total.current.M0, 4),
        "H_change_points": round(total.change["H"], 2),
    }
    seconds, rates = _timed(lambda: reports.official_rates(user=officer, years=list(YEARS)))
    figures["official_rates_3_years_seconds"] = round(seconds, 3)
    figures["poor_rate_percent_by_year"] = {str(y): round(rates[-1].total.get(y).poor_rate * 100, 2) for y in YEARS}

    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(officer)
    url = f"/households/reports/?year={year}&by=commune"
    client.get(url)  # warm the template cache

    def page() -> int:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return len(response.content)

    seconds, sizes = _timed(page)
    figures["report_page_seconds"] = round(seconds, 3)
    figures["report_page_kib"] = round(sizes[-1] / 1024, 1)
    figures["load_average_after"] = round(os.getloadavg()[0], 2)
    figures["within_budget"] = figures["af_report_by_commune_seconds"] <= BUDGET["af_report_province_seconds"]
    return figures
