"""A synthetic province for the demo and tests: communes after the July 2025 merger, with their predecessors kept.

The names are invented and the codes sit in a range no real province uses (province 90), so nothing here can be
mistaken for a real place. The rows are written through the same CSV import an administrator uses.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

PROVINCE_CODE = "90"
PROVINCE_NAME = "Tỉnh Lâm Sơn (mô phỏng)"
MERGER_DAY = "2025-07-01"
LAST_DAY_BEFORE_MERGER = "2025-06-30"


@dataclass(frozen=True)
class CommuneSpec:
    code: str
    name: str
    area_type: str
    kind: str
    disadvantaged: bool
    ethnic_minority_region: bool
    villages: tuple[str, ...]
    predecessors: tuple[tuple[str, str], ...] = ()


COMMUNES: tuple[CommuneSpec, ...] = (
    CommuneSpec(
        "90001",
        "Xã Tân Minh",
        "rural",
        "xa",
        True,
        True,
        ("Thôn Nà Lầu", "Thôn Khuổi Pết", "Bản Phiêng Luông", "Thôn Đồng Tâm", "Thôn Nà Mạ", "Bản Khau Vai"),
        (("90101", "Xã Minh Sơn"), ("90102", "Xã Tân Lập")),
    ),
    CommuneSpec(
        "90002",
        "Xã Hồng Phong",
        "rural",
        "xa",
        False,
        True,
        ("Thôn Làng Chùa", "Thôn Bản Mới", "Thôn Cốc Phường", "Thôn Nặm Đăm", "Thôn Đoàn Kết"),
    ),
    CommuneSpec(
        "90003",
        "Phường Đông Thành",
        "urban",
        "phuong",
        False,
        False,
        ("Tổ dân phố 1", "Tổ dân phố 2", "Tổ dân phố 3", "Tổ dân phố 4", "Tổ dân phố 5", "Tổ dân phố 6"),
        (("90103", "Phường Đông Hưng"), ("90104", "Xã Thành Công")),
    ),
    CommuneSpec(
        "90004",
        "Xã Phiêng Lang",
        "rural",
        "xa",
        True,
        True,
        ("Bản Phiêng Lang", "Bản Nà Khà", "Bản Mù Cả", "Bản Sín Chải", "Bản Lũng Pù"),
        (("90105", "Xã Phiêng Côn"), ("90106", "Xã Nà Khà")),
    ),
    CommuneSpec(
        "90005",
        "Xã Đồng Lạc",
        "rural",
        "xa",
        False,
        False,
        ("Thôn Đồng Lạc", "Thôn Yên Bình", "Thôn Tân Thịnh", "Thôn Hòa Bình"),
    ),
)


def village_code(commune_code: str, index: int) -> str:
    return f"{commune_code}-{index:02d}"


def village_kind(name: str) -> str:
    if name.startswith("Bản"):
        return "ban"
    if name.startswith("Tổ dân phố"):
        return "to_dan_pho"
    return "thon"


def area_rows() -> list[dict[str, str]]:
    rows = [{"level": "province", "code": PROVINCE_CODE, "name": PROVINCE_NAME, "valid_from": MERGER_DAY}]
    for spec in COMMUNES:
        rows.append(
            {
                "level": "commune",
                "code": spec.code,
                "name": spec.name,
                "parent_code": PROVINCE_CODE,
                "area_type": spec.area_type,
                "kind": spec.kind,
                "valid_from": MERGER_DAY,
                "disadvantaged": "1" if spec.disadvantaged else "0",
                "ethnic_minority_region": "1" if spec.ethnic_minority_region else "0",
            }
        )
        for old_code, old_name in spec.predecessors:
            rows.append(
                {
                    "level": "commune",
                    "code": old_code,
                    "name": old_name,
                    "parent_code": PROVINCE_CODE,
                    "area_type": spec.area_type,
                    "kind": "phuong" if old_name.startswith("Phường") else "xa",
                    "valid_to": LAST_DAY_BEFORE_MERGER,
                    "merged_into_code": spec.code,
                    "disadvantaged": "1" if spec.disadvantaged else "0",
                    "ethnic_minority_region": "1" if spec.ethnic_minority_region else "0",
                }
            )
        for i, name in enumerate(spec.villages, start=1):
            rows.append(
                {
                    "level": "village",
                    "code": village_code(spec.code, i),
                    "name": name,
                    "parent_code": spec.code,
                    "kind": village_kind(name),
                    "valid_from": MERGER_DAY,
                }
            )
    return rows


def area_csv() -> bytes:
    from areas.services import AREA_CSV_HEADER, AREA_CSV_OPTIONAL

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=AREA_CSV_HEADER + AREA_CSV_OPTIONAL, lineterminator="\n")
    writer.writeheader()
    for row in area_rows():
        writer.writerow({k: row.get(k, "") for k in AREA_CSV_HEADER + AREA_CSV_OPTIONAL})
    return out.getvalue().encode("utf-8")
