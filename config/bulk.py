"""Bulk loading helpers shared by the bulk writers (``credit.bulk``) and the benchmarks.

PostgreSQL only: ``COPY … FROM STDIN`` of a pandas frame in CSV (an empty unquoted field is NULL, except in the
``blank`` columns, where it is the empty string), ids from a table's own sequence, and sequences set past the ids a
COPY wrote explicitly.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.db import connection


def copy_frame(table: str, frame: pd.DataFrame, *, blank: tuple[str, ...] = (), chunk: int = 250_000) -> None:
    """COPY ``frame`` (its columns are the table's) into ``table``; ``blank`` columns take an empty field as ""."""
    columns = list(frame.columns)
    force = f", FORCE_NOT_NULL ({', '.join(blank)})" if blank else ""
    quote = connection.ops.quote_name
    sql = f"COPY {table} ({', '.join(quote(c) for c in columns)}) FROM STDIN WITH (FORMAT csv{force})"
    with connection.cursor() as cursor:
        for start in range(0, len(frame), chunk):
            buffer = io.StringIO()
            frame.iloc[start : start + chunk].to_csv(buffer, index=False, header=False)
            with cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())


def next_ids(table: str, n: int) -> np.ndarray:
    """``n`` ids after the largest in ``table`` (a loader that owns the table meanwhile; then ``reset_sequences``)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (a table name of the caller)
        base = cursor.fetchone()[0]
    return base + 1 + np.arange(n, dtype=np.int64)


def reserve_ids(table: str, n: int) -> np.ndarray:
    """``n`` new ids from ``table``'s own sequence (safe beside concurrent inserts; PostgreSQL)."""
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, int(n)]
        )
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)


def reset_sequences(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608
            )
