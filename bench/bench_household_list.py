"""A cadre's household list with scope applied, 1,000,000 households in the database (design.md §7: p95 ≤ 150 ms).

The data: the province of ``bench_af_report`` (100 communes × 20 villages × 500 households, three years of recognised
reviews, written with COPY; reused when present), plus three members per household (3,000,000 rows, COPY) so that the
search through members' names and national ID numbers runs against a full-size member table.

Measured through the Django test client, so every figure is the whole request: session, the fail-closed area
middleware, the scope, the query, the template. Users: a cadre serving two villages (1,000 households), the chairman
of one commune (10,000 households). Figures: p50/p95 over ``REQUESTS`` requests of the list's first page, a deep page,
a search by name without diacritics, a search by national ID, a filter by classification, and the API's first page;
with the queries per request (fixed whatever the page).
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import date

import numpy as np
import pandas as pd
from django.db import connection

from bench import bench_af_report as af
from config.bulk import copy_frame

BUDGET = {"cadre_list_p95_ms": 150}  # design.md §7
REQUESTS = 60
MEMBERS_PER_HOUSEHOLD = 3
MEMBER_COLUMNS = [
    "household_id", "full_name", "full_name_folded", "birth_date", "sex", "relation", "ethnicity", "national_id",
    "has_disability", "has_health_insurance", "schooling", "education", "in_training", "employment",
]  # fmt: skip


def _members() -> dict:
    """Three members per household of the bench province (or reuse them)."""
    from households.models import Household, Member

    households = Household.objects.filter(commune__province__code=af.PROVINCE)
    expected = af.HOUSEHOLDS * MEMBERS_PER_HOUSEHOLD
    have = Member.objects.filter(household__commune__province__code=af.PROVINCE).count()
    if have == expected:
        return {"reused": True, "members": have, "seconds": 0.0}
    started = time.perf_counter()
    Member.objects.filter(household__commune__province__code=af.PROVINCE).delete()
    ids = np.fromiter(households.order_by("id").values_list("id", flat=True), dtype=np.int64)
    n = len(ids) * MEMBERS_PER_HOUSEHOLD
    household = np.repeat(ids, MEMBERS_PER_HOUSEHOLD)
    slot = np.tile(np.arange(MEMBERS_PER_HOUSEHOLD), len(ids))
    rng = np.random.default_rng(af.SEED)
    surnames = np.array(["Nguyễn", "Hoàng", "Lò", "Vàng", "Triệu", "Nông", "Hà", "Lục", "Ma", "Đặng"])
    givens = np.array(["Văn An", "Thị Bình", "Văn Chiến", "Thị Dung", "Văn Giang", "Thị Hoa", "Văn Khánh", "Thị Lan"])
    names = pd.Series(surnames[rng.integers(0, len(surnames), n)]) + " " + givens[rng.integers(0, len(givens), n)]
    from households.ethnicity import fold

    folded = names.map({name: fold(name) for name in names.unique()})
    birth_year = np.where(slot == 0, 1960, np.where(slot == 1, 1965, 2005)) + rng.integers(0, 15, n)
    national_id = pd.Series(household).map(lambda h: f"0{h:011d}")  # unique, 12 digits (not checked by COPY)
    frame = pd.DataFrame(
        {
            "household_id": household,
            "full_name": names,
            "full_name_folded": folded,
            "birth_date": [date(int(y), 1, 1).isoformat() for y in birth_year],
            "sex": np.where(slot == 1, "female", "male"),
            "relation": np.where(slot == 0, "head", np.where(slot == 1, "spouse", "child")),
            "ethnicity": "01",
            "national_id": np.where(slot == 0, national_id, ""),
            "has_disability": False,
            "has_health_insurance": True,
            "schooling": "",
            "education": "none",
            "in_training": False,
            "employment": "",
        }
    )
    copy_frame("households_member", frame[MEMBER_COLUMNS], blank=("national_id", "schooling", "employment"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE households_member")
    return {"reused": False, "members": n, "seconds": round(time.perf_counter() - started, 1)}


def _user(username: str, role: str, areas):
    from accounts.models import User
    from accounts.services import roles_ensure, user_area_grant, user_roles_set

    roles_ensure()
    user, created = User.objects.get_or_create(username=username)
    if created:
        user_roles_set(user=user, roles=[role])
        for area in areas:
            user_area_grant(user=user, area=area)
    return User.objects.get(pk=user.pk)


def _measure(client, path: str) -> dict:
    """p50/p95 in ms over REQUESTS requests of ``path`` (after one warm-up), the queries of one request, the rows."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    queries = []  # counted by a wrapper: the test client's request_started signal empties connection.queries

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(path)
    samples = []
    for _ in range(REQUESTS):
        t = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 1),
        "queries": len(queries),
    }


def run() -> dict:
    if connection.vendor != "postgresql":
        return {"skipped": "needs PostgreSQL (COPY and the budget are for PostgreSQL)"}
    from django.test import Client

    from areas.models import Commune, Village
    from households.models import Household

    built = af.build()
    members = _members()
    commune = Commune.objects.filter(province__code=af.PROVINCE).order_by("code").first()
    villages = list(Village.objects.filter(commune=commune).order_by("code")[:2])
    cadre = _user("bench-list-cadre", "cadre", villages)
    chairman = _user("bench-list-chairman", "chairman", [commune])
    some = Household.objects.filter(village=villages[1]).order_by("code")[123]
    national_id = f"0{some.pk:011d}"
    figures: dict = {
        "data": {"households": built, "members": members},
        "households_in_database": Household.objects.count(),
        "cadre_households": Household.objects.filter(village__in=villages).count(),
        "chairman_households": Household.objects.filter(commune=commune).count(),
        "requests_each": REQUESTS,
        "load_average_before": round(os.getloadavg()[0], 2),
    }
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(cadre)
    cases = {
        "cadre_list": "/households/",
        "cadre_list_page_10": "/households/?page=10",
        "cadre_search_name": "/households/?q=hoang+van",
        "cadre_search_national_id": f"/households/?q={national_id}",
        "cadre_filter_poor": "/households/?classification=poor",
        "cadre_api": "/api/v1/households/?page_size=100",
    }
    for name, path in cases.items():
        figures[name] = _measure(client, path)
    client.force_login(chairman)
    figures["chairman_list"] = _measure(client, "/households/")
    figures["chairman_list_page_150"] = _measure(client, "/households/?page=150")
    figures["chairman_search_name"] = _measure(client, "/households/?q=lo+thi")
    figures["cadre_list_p95_ms"] = figures["cadre_list"]["p95_ms"]
    worst = max(v["p95_ms"] for k, v in figures.items() if isinstance(v, dict) and "p95_ms" in v)
    figures["worst_p95_ms"] = worst
    figures["within_budget"] = worst <= BUDGET["cadre_list_p95_ms"]
    return figures
