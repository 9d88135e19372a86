"""The area import and the scope selector on a province of 100 communes × 20 villages."""

from __future__ import annotations

import csv
import io
import statistics
import time

from django.db import connection, reset_queries

from accounts.scope import forget_scope, user_scope
from accounts.services import roles_ensure, user_area_grant, user_roles_set
from areas.models import Commune, Province, Village
from areas.services import AREA_CSV_HEADER, areas_import_csv

BUDGET = None  # no budget in design.md §7: a baseline for the selectors every page uses

COMMUNES, VILLAGES = 100, 20


def _csv() -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=AREA_CSV_HEADER, lineterminator="\n")
    w.writeheader()
    w.writerow({"level": "province", "code": "B1", "name": "Tỉnh Đo"})
    for c in range(COMMUNES):
        w.writerow(
            {"level": "commune", "code": f"B1{c:04d}", "name": f"Xã {c}", "parent_code": "B1", "area_type": "rural"}
        )
        for v in range(VILLAGES):
            w.writerow(
                {"level": "village", "code": f"B1{c:04d}-{v:02d}", "name": f"Thôn {v}", "parent_code": f"B1{c:04d}"}
            )
    return out.getvalue().encode()


def run() -> dict:
    from accounts.models import User

    Village.objects.filter(code__startswith="B1").delete()
    Commune.objects.filter(code__startswith="B1").delete()
    Province.objects.filter(code="B1").delete()
    data = _csv()
    t0 = time.perf_counter()
    result = areas_import_csv(data=data)
    import_seconds = time.perf_counter() - t0
    assert result.ok, result.errors[:5]

    roles_ensure()
    officer, _ = User.objects.get_or_create(username="bench-province")
    user_roles_set(user=officer, roles=["province_officer"])
    user_area_grant(user=officer, area=Province.objects.get(code="B1"))
    samples = []
    queries = 0
    connection.force_debug_cursor = True
    for _ in range(50):
        forget_scope(officer)
        reset_queries()
        t = time.perf_counter()
        scope = user_scope(officer)
        list(scope.villages().values_list("pk", flat=True))
        samples.append(time.perf_counter() - t)
        queries = len(connection.queries)
    samples.sort()
    return {
        "rows_imported": COMMUNES * (VILLAGES + 1) + 1,
        "area_import_seconds": round(import_seconds, 3),
        "scope_and_village_ids_p50_ms": round(statistics.median(samples) * 1000, 2),
        "scope_and_village_ids_p95_ms": round(samples[int(len(samples) * 0.95) - 1] * 1000, 2),
        "villages_seen": scope.villages().count(),
        "queries": queries,
    }
