"""A synthetic province for the demo and tests: communes after the July 2025 merger, with their predecessors kept.

The names are invented and the codes sit in a range no real province uses (province 90), so nothing here can be
mistaken for a real place. The rows are written through the same CSV import an administrator uses.

The five named communes below are always there (the demo accounts serve them). ``layout(households, seed)`` adds
generated communes and villages so that a commune holds about ``HOUSEHOLDS_PER_COMMUNE`` households and a village
about ``HOUSEHOLDS_PER_VILLAGE``: 20,000 households fill the five named communes, 1,000,000 make about 250 communes.

Codes: current communes 90001-90099 then 90200-90999 (90100-90199 is kept for the named communes' predecessors);
predecessors of generated communes 95001 onwards; villages ``<commune>-NN``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace

import numpy as np

from . import names as place_names
from . import params as P

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
    profile: str = "midland"  # highland, midland, lowland, urban: drives the ethnic mix, livelihoods and incomes
    size: float = 1.0  # relative number of households


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
        profile="highland",
        size=1.0,
    ),
    CommuneSpec(
        "90002",
        "Xã Hồng Phong",
        "rural",
        "xa",
        False,
        True,
        ("Thôn Làng Chùa", "Thôn Bản Mới", "Thôn Cốc Phường", "Thôn Nặm Đăm", "Thôn Đoàn Kết"),
        profile="midland",
        size=0.9,
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
        profile="urban",
        size=1.2,
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
        profile="highland",
        size=0.85,
    ),
    CommuneSpec(
        "90005",
        "Xã Đồng Lạc",
        "rural",
        "xa",
        False,
        False,
        ("Thôn Đồng Lạc", "Thôn Yên Bình", "Thôn Tân Thịnh", "Thôn Hòa Bình"),
        profile="lowland",
        size=1.0,
    ),
)


@dataclass(frozen=True)
class VillageSpec:
    code: str
    name: str
    commune_code: str
    kind: str


@dataclass(frozen=True)
class Layout:
    """The communes and villages of a synthetic province and how many households each village holds."""

    communes: tuple[CommuneSpec, ...]
    villages: tuple[VillageSpec, ...]
    village_households: tuple[int, ...]  # in the order of ``villages``

    @property
    def households(self) -> int:
        return sum(self.village_households)


def village_code(commune_code: str, index: int) -> str:
    return f"{commune_code}-{index:02d}"


def village_kind(name: str) -> str:
    if name.startswith("Bản"):
        return "ban"
    if name.startswith("Tổ dân phố"):
        return "to_dan_pho"
    return "thon"


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder; ties by position)."""
    share = weights / weights.sum() * total
    counts = np.floor(share).astype(np.int64)
    rest = total - int(counts.sum())
    if rest:
        order = np.lexsort((np.arange(len(share)), -(share - counts)))
        counts[order[:rest]] += 1
    return counts


def _commune_code(index: int) -> str:
    """The code of the ``index``-th current commune (1-based), skipping the block of the named predecessors."""
    number = index if index < 100 else index + 100
    if number > 999:
        raise ValueError("the synthetic province holds at most 899 communes (about 3.6 million households)")
    return f"{PROVINCE_CODE}{number:03d}"


def _place_name(rng: np.random.Generator, taken: set[str], prefix: str) -> str:
    for _ in range(10_000):
        first = place_names.COMMUNE_FIRST[rng.integers(len(place_names.COMMUNE_FIRST))]
        second = place_names.COMMUNE_SECOND[rng.integers(len(place_names.COMMUNE_SECOND))]
        if first == second:
            continue
        name = f"{prefix} {first} {second}"
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("ran out of commune names")  # pragma: no cover


def _village_names(rng: np.random.Generator, profile: str, count: int, taken: set[str]) -> list[str]:
    result: list[str] = []
    number = 1
    while len(result) < count:
        if profile == "urban":
            name = f"Tổ dân phố {number}"
            number += 1
        elif profile == "highland" or (profile == "midland" and rng.random() < 0.5):
            first = place_names.VILLAGE_HIGHLAND_FIRST[rng.integers(len(place_names.VILLAGE_HIGHLAND_FIRST))]
            second = place_names.VILLAGE_HIGHLAND_SECOND[rng.integers(len(place_names.VILLAGE_HIGHLAND_SECOND))]
            name = f"{'Bản' if rng.random() < 0.6 else 'Thôn'} {first} {second}"
        else:
            name = "Thôn " + place_names.VILLAGE_PLAIN[rng.integers(len(place_names.VILLAGE_PLAIN))]
            if name in taken:
                name = f"{name} {len([t for t in taken if t.startswith(name)]) + 1}"
        if name not in taken:
            taken.add(name)
            result.append(name)
    return result


def _generated_communes(rng: np.random.Generator, count: int) -> list[CommuneSpec]:
    profiles = list(P.PROFILE_SHARES)
    shares = np.array([P.PROFILE_SHARES[p] for p in profiles])
    taken = {c.name for c in COMMUNES} | {name for c in COMMUNES for _code, name in c.predecessors}
    result = []
    predecessor = 0
    # the profiles in their shares exactly (then shuffled), so that the province's mix does not drift with its size
    drawn = rng.permutation(np.repeat(np.arange(len(profiles)), _allocate(count, shares))) if count else []
    for i in range(count):
        index = len(COMMUNES) + 1 + i
        profile = profiles[int(drawn[i])]
        urban = profile == "urban"
        name = _place_name(rng, taken, "Phường" if urban else "Xã")
        disadvantaged = profile == "highland" and rng.random() < 0.8 or profile == "midland" and rng.random() < 0.15
        em_region = profile in ("highland", "midland") or profile == "lowland" and rng.random() < 0.3
        predecessors: list[tuple[str, str]] = []
        if rng.random() < P.MERGED_SHARE:
            for _ in range(2 + int(rng.random() < 0.4)):
                predecessor += 1
                predecessors.append((f"{95000 + predecessor}", _place_name(rng, taken, "Phường" if urban else "Xã")))
        result.append(
            CommuneSpec(
                code=_commune_code(index),
                name=name,
                area_type="urban" if urban else "rural",
                kind="phuong" if urban else "xa",
                disadvantaged=bool(disadvantaged),
                ethnic_minority_region=bool(em_region),
                villages=(),
                predecessors=tuple(predecessors),
                profile=profile,
                size=float(P.PROFILE_SIZE[profile] * np.exp(rng.normal(0, P.COMMUNE_SIZE_SIGMA))),
            )
        )
    return result


def layout(households: int, seed: int) -> Layout:
    """The communes and villages for ``households`` households (the same arguments give the same layout)."""
    if households < 0:
        raise ValueError("households must not be negative")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    n_communes = max(len(COMMUNES), round(households / P.HOUSEHOLDS_PER_COMMUNE))
    communes = list(COMMUNES) + _generated_communes(rng, n_communes - len(COMMUNES))
    per_commune = _allocate(households, np.array([c.size for c in communes])) if households else [0] * len(communes)
    villages: list[VillageSpec] = []
    counts: list[int] = []
    final_communes = []
    for spec, n in zip(communes, per_commune, strict=True):
        wanted = int(np.clip(round(n / P.HOUSEHOLDS_PER_VILLAGE), len(spec.villages), P.MAX_VILLAGES_PER_COMMUNE))
        wanted = max(wanted, 1)
        taken = set(spec.villages)
        names = list(spec.villages) + _village_names(rng, spec.profile, wanted - len(spec.villages), taken)
        spec = replace(spec, villages=tuple(names))
        final_communes.append(spec)
        weights = np.exp(rng.normal(0, P.VILLAGE_SIZE_SIGMA, len(names)))
        allocated = _allocate(int(n), weights) if n else np.zeros(len(names), dtype=np.int64)
        counts.extend(int(c) for c in allocated)
        villages.extend(
            VillageSpec(village_code(spec.code, i), name, spec.code, village_kind(name))
            for i, name in enumerate(names, start=1)
        )
    return Layout(communes=tuple(final_communes), villages=tuple(villages), village_households=tuple(counts))


def base_layout() -> Layout:
    """The five named communes with their named villages and no households (the demo's areas before any data)."""
    villages = tuple(
        VillageSpec(village_code(c.code, i), name, c.code, village_kind(name))
        for c in COMMUNES
        for i, name in enumerate(c.villages, start=1)
    )
    return Layout(communes=COMMUNES, villages=villages, village_households=tuple(0 for _ in villages))


def area_rows(plan: Layout | None = None) -> list[dict[str, str]]:
    plan = plan or base_layout()
    rows = [{"level": "province", "code": PROVINCE_CODE, "name": PROVINCE_NAME, "valid_from": MERGER_DAY}]
    villages_of: dict[str, list[VillageSpec]] = {}
    for village in plan.villages:
        villages_of.setdefault(village.commune_code, []).append(village)
    for spec in plan.communes:
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
        for village in villages_of.get(spec.code, []):
            rows.append(
                {
                    "level": "village",
                    "code": village.code,
                    "name": village.name,
                    "parent_code": spec.code,
                    "kind": village.kind,
                    "valid_from": MERGER_DAY,
                }
            )
    return rows


def area_csv(plan: Layout | None = None) -> bytes:
    from areas.services import AREA_CSV_HEADER, AREA_CSV_OPTIONAL

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=AREA_CSV_HEADER + AREA_CSV_OPTIONAL, lineterminator="\n")
    writer.writeheader()
    for row in area_rows(plan):
        writer.writerow({k: row.get(k, "") for k in AREA_CSV_HEADER + AREA_CSV_OPTIONAL})
    return out.getvalue().encode("utf-8")
