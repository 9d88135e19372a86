"""Import of 100,000 review rows (design.md §7: ≤ 60 s with full validation, PostgreSQL, 2 cores).

Five synthetic communes of ten villages are created with the area import; the file holds one periodic review for
each of 100,000 new households (20,000 per commune), with random incomes and indicators (seeded). Figures: the whole
import (parse + validate + write, with the history rows), its parts, a dry run, and reading the same rows as XLSX.
"""

from __future__ import annotations

import csv
import io
import random
import time

from areas.models import Commune, Province, Village
from areas.services import AREA_CSV_HEADER, areas_import_csv
from households.imports import read_tables, reviews_import
from households.models import Household, Member, Review

BUDGET = {"import_100k_review_rows_seconds": 60}

ROWS = 100_000
COMMUNES, VILLAGES = 5, 10
PROVINCE = "BI"
INDICATORS = [
    "employment",
    "dependants",
    "nutrition",
    "health_insurance",
    "adult_education",
    "child_schooling",
    "housing_quality",
    "housing_area",
    "drinking_water",
    "sanitation",
    "telecom",
    "information_access",
]
HEADER = [
    "household_code",
    "commune_code",
    "village_code",
    "review_date",
    "income_per_capita",
    "household_size",
    "head_name",
    "ethnicity",
    "area_type",
    "kind",
    *INDICATORS,
]


def _areas() -> None:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=AREA_CSV_HEADER, lineterminator="\n")
    w.writeheader()
    w.writerow({"level": "province", "code": PROVINCE, "name": "Tỉnh Đo Nhập"})
    for c in range(COMMUNES):
        code = f"{PROVINCE}{c:04d}"
        w.writerow({"level": "commune", "code": code, "name": f"Xã {c}", "parent_code": PROVINCE, "area_type": "rural"})
        for v in range(VILLAGES):
            w.writerow({"level": "village", "code": f"{code}-{v:02d}", "name": f"Thôn {v}", "parent_code": code})
    result = areas_import_csv(data=out.getvalue().encode())
    assert result.ok, result.errors[:5]


def _rows() -> list[list]:
    rng = random.Random(20251015)  # noqa: S311 - synthetic data
    names = ["Lò Văn Minh", "Nguyễn Thị Lan", "Đinh Văn Tú", "Hoàng Thị Mai", "Cầm Văn Hùng"]
    rows = []
    for i in range(ROWS):
        c, v = i % COMMUNES, (i // COMMUNES) % VILLAGES
        commune = f"{PROVINCE}{c:04d}"
        rows.append(
            [
                f"BH{i:06d}",
                commune,
                f"{commune}-{v:02d}",
                "15/10/2025",
                rng.randrange(600_000, 4_000_000, 10_000),
                rng.randint(1, 8),
                names[i % len(names)],
                rng.choice(["Kinh", "Thái", "Tày", "Mông", "01", "03"]),
                "rural" if i % 7 else "urban",
                "periodic",
                *[1 if rng.random() < 0.2 else 0 for _ in INDICATORS],
            ]
        )
    return rows


def _csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def _xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("reviews")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _clean() -> None:
    """Leftovers of an earlier run in the same database (make bench starts from an empty one)."""
    communes = Commune.objects.filter(code__startswith=PROVINCE)
    Review.objects.filter(household__commune__in=communes).delete()
    Member.objects.filter(household__commune__in=communes).delete()
    Household.objects.filter(commune__in=communes).delete()
    Village.objects.filter(commune__in=communes).delete()
    communes.delete()
    Province.objects.filter(code=PROVINCE).delete()


def run() -> dict:
    _clean()
    _areas()
    rows = _rows()
    data = _csv(rows)

    t = time.perf_counter()
    read_tables(data, "reviews.csv", [], sheet="reviews")
    parse_csv = time.perf_counter() - t

    t = time.perf_counter()
    dry = reviews_import(data=data, dry_run=True)
    dry_seconds = time.perf_counter() - t
    assert dry.ok, dry.errors[:5]

    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "write" and done == 0:
            marks["validated"] = time.perf_counter()

    started = time.perf_counter()
    result = reviews_import(data=data, progress=progress)
    ended = time.perf_counter()
    total = ended - started
    assert result.ok, result.errors[:5]
    assert result.reviews_created == ROWS and Review.objects.filter(source="import").count() >= ROWS

    xlsx = _xlsx(rows)
    t = time.perf_counter()
    read_tables(xlsx, "reviews.xlsx", [], sheet="reviews")
    parse_xlsx = time.perf_counter() - t
    return {
        "rows": ROWS,
        "file_mb": round(len(data) / 1e6, 1),
        "import_seconds": round(total, 2),
        "import_rows_per_second": round(ROWS / total),
        "parse_and_validate_seconds": round(marks["validated"] - started, 2),
        "write_seconds": round(ended - marks["validated"], 2),
        "dry_run_seconds": round(dry_seconds, 2),
        "csv_parse_seconds": round(parse_csv, 2),
        "xlsx_parse_seconds": round(parse_xlsx, 2),
        "households_created": result.households_created,
        "reviews_created": result.reviews_created,
        "within_budget": total <= BUDGET["import_100k_review_rows_seconds"],
    }
