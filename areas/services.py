"""Writes to administrative areas: the CSV import of provinces, communes and villages."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AreaType, Commune, Province, Village

AREA_CSV_HEADER = ["level", "code", "name", "parent_code", "area_type", "valid_from", "valid_to", "merged_into_code"]
AREA_CSV_OPTIONAL = ["kind", "disadvantaged", "ethnic_minority_region"]
LEVELS = {"province": Province, "commune": Commune, "village": Village}
PARENT_LEVEL = {"commune": "province", "village": "commune"}

# Error messages (module constants, so tests assert on the same words).
ERR_ENCODING = gettext_lazy("The file is not UTF-8 text (byte %(position)s cannot be read); save it as CSV UTF-8.")
ERR_HEADER_MISSING = gettext_lazy("Missing column(s): %(columns)s.")
ERR_HEADER_UNKNOWN = gettext_lazy("Unknown column(s): %(columns)s.")
ERR_EMPTY_FILE = gettext_lazy("The file is empty.")
ERR_REQUIRED = gettext_lazy("A value is required.")
ERR_LEVEL = gettext_lazy("Unknown level %(value)s: use province, commune or village.")
ERR_DUPLICATE_CODE = gettext_lazy("Code %(code)s appears again (first on row %(first_row)s).")
ERR_PARENT_NOT_ALLOWED = gettext_lazy("A province has no parent; leave this cell empty.")
ERR_PARENT_UNKNOWN = gettext_lazy("No %(level)s with code %(code)s, in this file or in the database.")
ERR_AREA_TYPE = gettext_lazy("Unknown area type %(value)s: use rural or urban.")
ERR_AREA_TYPE_NOT_COMMUNE = gettext_lazy("Only a commune has an area type; leave this cell empty.")
ERR_DATE = gettext_lazy("%(value)s is not a date in the form YYYY-MM-DD.")
ERR_DATE_ORDER = gettext_lazy("valid_to (%(valid_to)s) is before valid_from (%(valid_from)s).")
ERR_MERGED_SELF = gettext_lazy("A unit cannot merge into itself.")
ERR_MERGED_UNKNOWN = gettext_lazy("No %(level)s with code %(code)s to merge into, in this file or in the database.")
ERR_MERGED_NEEDS_END = gettext_lazy("A unit that merged into another needs the date it ended (valid_to).")
ERR_MERGED_CYCLE = gettext_lazy("Mergers form a cycle: %(codes)s.")
ERR_BOOLEAN = gettext_lazy("%(value)s is not 0 or 1.")
ERR_KIND = gettext_lazy("Unknown kind %(value)s for a %(level)s: use one of %(choices)s.")


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded file: the spreadsheet row (the header is row 1), the column and the reason."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, column %(field)s: %(message)s") % {
            "row": self.row,
            "field": self.field or "-",
            "message": self.message,
        }


@dataclass
class AreaImportResult:
    created: dict[str, int] = field(default_factory=lambda: {"province": 0, "commune": 0, "village": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"province": 0, "commune": 0, "village": 0})
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def decode_upload(data: bytes, errors: list[RowError]) -> str | None:
    """UTF-8 (with or without BOM) text of an uploaded file, or ``None`` with an error naming the bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(RowError(row=0, field="", message=str(ERR_ENCODING % {"position": exc.start})))
        return None


def _parse_date(value: str, row: int, column: str, errors: list[RowError]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(RowError(row, column, str(ERR_DATE % {"value": value})))
        return None


def _parse_bool(value: str, row: int, column: str, errors: list[RowError]) -> bool | None:
    if value in {"", None}:
        return None
    if value in {"1", "0"}:
        return value == "1"
    errors.append(RowError(row, column, str(ERR_BOOLEAN % {"value": value})))
    return None


def _existing_codes(model, codes: set[str]) -> dict[str, int]:
    return dict(model.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}


@transaction.atomic
def areas_import_csv(*, data: bytes, dry_run: bool = False) -> AreaImportResult:
    """Validate every row of an area CSV and, only if no row is bad, create or update the units it lists.

    Rows are matched to existing units by ``code``. Errors name the row (header = row 1), the column and the reason;
    a file with any error writes nothing.
    """
    result = AreaImportResult()
    errors = result.errors
    text = decode_upload(data, errors)
    if text is None:
        return result
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        errors.append(RowError(1, "", str(ERR_EMPTY_FILE)))
        return result
    missing = [c for c in AREA_CSV_HEADER if c not in header]
    unknown = [c for c in header if c not in AREA_CSV_HEADER + AREA_CSV_OPTIONAL]
    if missing:
        errors.append(RowError(1, "", str(ERR_HEADER_MISSING % {"columns": ", ".join(missing)})))
    if unknown:
        errors.append(RowError(1, "", str(ERR_HEADER_UNKNOWN % {"columns": ", ".join(unknown)})))
    if missing or unknown:
        return result
    reader.fieldnames = header

    rows: list[tuple[int, dict]] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        level = row["level"].lower()
        ok = True
        if not level:
            errors.append(RowError(number, "level", str(ERR_REQUIRED)))
            ok = False
        elif level not in LEVELS:
            errors.append(RowError(number, "level", str(ERR_LEVEL % {"value": row["level"]})))
            ok = False
        for column in ("code", "name"):
            if not row[column]:
                errors.append(RowError(number, column, str(ERR_REQUIRED)))
                ok = False
        if not ok:
            continue
        key = (level, row["code"])
        if key in first_row:
            errors.append(
                RowError(number, "code", str(ERR_DUPLICATE_CODE % {"code": row["code"], "first_row": first_row[key]}))
            )
            continue
        first_row[key] = number
        row["level"] = level
        rows.append((number, row))

    in_file = {lvl: {r["code"] for _n, r in rows if r["level"] == lvl} for lvl in LEVELS}
    referenced = {lvl: set() for lvl in LEVELS}
    for _n, r in rows:
        if r["parent_code"] and r["level"] in PARENT_LEVEL:
            referenced[PARENT_LEVEL[r["level"]]].add(r["parent_code"])
        if r["merged_into_code"]:
            referenced[r["level"]].add(r["merged_into_code"])
    in_db = {lvl: _existing_codes(LEVELS[lvl], referenced[lvl] | in_file[lvl]) for lvl in LEVELS}

    parsed: list[tuple[int, dict]] = []
    for number, r in rows:
        level = r["level"]
        values: dict = {"name": r["name"]}
        if level == "province":
            if r["parent_code"]:
                errors.append(RowError(number, "parent_code", str(ERR_PARENT_NOT_ALLOWED)))
        else:
            parent_level = PARENT_LEVEL[level]
            if not r["parent_code"]:
                errors.append(RowError(number, "parent_code", str(ERR_REQUIRED)))
            elif r["parent_code"] not in in_file[parent_level] and r["parent_code"] not in in_db[parent_level]:
                errors.append(
                    RowError(
                        number,
                        "parent_code",
                        str(ERR_PARENT_UNKNOWN % {"level": _(parent_level), "code": r["parent_code"]}),
                    )
                )
        if level == "commune":
            if not r["area_type"]:
                errors.append(RowError(number, "area_type", str(ERR_REQUIRED)))
            elif r["area_type"] not in AreaType.values:
                errors.append(RowError(number, "area_type", str(ERR_AREA_TYPE % {"value": r["area_type"]})))
            else:
                values["area_type"] = r["area_type"]
            for flag in ("disadvantaged", "ethnic_minority_region"):
                parsed_flag = _parse_bool(r.get(flag, ""), number, flag, errors)
                if parsed_flag is not None:
                    values[flag] = parsed_flag
        elif r["area_type"]:
            errors.append(RowError(number, "area_type", str(ERR_AREA_TYPE_NOT_COMMUNE)))
        if r.get("kind"):
            model = LEVELS[level]
            choices = getattr(getattr(model, "Kind", None), "values", [])
            if r["kind"] not in choices:
                errors.append(
                    RowError(
                        number,
                        "kind",
                        str(ERR_KIND % {"value": r["kind"], "level": _(level), "choices": ", ".join(choices) or "-"}),
                    )
                )
            else:
                values["kind"] = r["kind"]
        valid_from = _parse_date(r["valid_from"], number, "valid_from", errors)
        valid_to = _parse_date(r["valid_to"], number, "valid_to", errors)
        if valid_from and valid_to and valid_to < valid_from:
            errors.append(
                RowError(number, "valid_to", str(ERR_DATE_ORDER % {"valid_from": valid_from, "valid_to": valid_to}))
            )
        values["valid_from"], values["valid_to"] = valid_from, valid_to
        merged = r["merged_into_code"]
        if merged:
            if merged == r["code"]:
                errors.append(RowError(number, "merged_into_code", str(ERR_MERGED_SELF)))
            elif merged not in in_file[level] and merged not in in_db[level]:
                errors.append(
                    RowError(number, "merged_into_code", str(ERR_MERGED_UNKNOWN % {"level": _(level), "code": merged}))
                )
            if not r["valid_to"]:
                errors.append(RowError(number, "valid_to", str(ERR_MERGED_NEEDS_END)))
        parsed.append((number, {**r, "values": values}))

    # A cycle of mergers inside the file (A → B → A) would make lineage endless.
    for level in LEVELS:
        edges = {
            r["code"]: r["merged_into_code"]
            for _n, r in parsed
            if r["level"] == level and r["merged_into_code"] and r["merged_into_code"] != r["code"]
        }
        reported: set[str] = set()
        for start in edges:
            seen = [start]
            node = edges.get(start)
            while node and node in edges and node not in seen:
                seen.append(node)
                node = edges[node]
            if node == start and start not in reported:
                reported.update(seen)
                errors.append(
                    RowError(
                        first_row[(level, start)],
                        "merged_into_code",
                        str(ERR_MERGED_CYCLE % {"codes": " → ".join([*seen, start])}),
                    )
                )

    if errors:
        errors.sort(key=lambda e: (e.row, e.field))
        return result

    sid = transaction.savepoint()
    ids: dict[str, dict[str, int]] = {lvl: dict(in_db[lvl]) for lvl in LEVELS}
    for level in ("province", "commune", "village"):
        model = LEVELS[level]
        for _n, r in parsed:
            if r["level"] != level:
                continue
            values = dict(r["values"])
            if level == "commune":
                values["province_id"] = ids["province"][r["parent_code"]]
            elif level == "village":
                values["commune_id"] = ids["commune"][r["parent_code"]]
            obj, created = model.objects.update_or_create(code=r["code"], defaults=values)
            ids[level][r["code"]] = obj.pk
            (result.created if created else result.updated)[level] += 1
    for level, model in LEVELS.items():
        for _n, r in parsed:
            if r["level"] == level:
                target = ids[level][r["merged_into_code"]] if r["merged_into_code"] else None
                model.objects.filter(pk=ids[level][r["code"]]).update(merged_into_id=target)
    if dry_run:
        transaction.savepoint_rollback(sid)
    else:
        transaction.savepoint_commit(sid)
    return result
