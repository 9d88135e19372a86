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
    """COPY ``frame`` (its columns are the table's) into ``table``; ``blank`` columns take an empty field as "".

    One COPY statement fed chunk by chunk through psycopg's queued writer: the server takes one chunk while the next
    is turned into CSV here."""
    from psycopg.copy import QueuedLibpqWriter

    columns = list(frame.columns)
    force = f", FORCE_NOT_NULL ({', '.join(blank)})" if blank else ""
    quote = connection.ops.quote_name
    sql = f"COPY {table} ({', '.join(quote(c) for c in columns)}) FROM STDIN WITH (FORMAT csv{force})"
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper takes no ``writer``
        while hasattr(raw, "cursor"):
            raw = raw.cursor
        with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
            for start in range(0, len(frame), chunk):
                buffer = io.StringIO()
                frame.iloc[start : start + chunk].to_csv(buffer, index=False, header=False)
                copy.write(buffer.getvalue())


def pg_defer_indexes(tables: list[str], *, partial: bool = False) -> list[str]:
    """Drop the secondary indexes, unique constraints and foreign keys of ``tables`` for a large load; return the
    statements that put them back exactly as they were (:func:`pg_restore_indexes`): building an index once and
    checking a foreign key with one join is several times faster than doing it row by row. Primary keys, check
    constraints and triggers stay; partial indexes stay too unless ``partial`` (PostgreSQL gives a partial index's
    predicate back in another, equivalent, spelling, which a comparison of definitions would flag). The tables are
    locked until the transaction ends."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT con.conrelid::regclass::text, con.conname, pg_get_constraintdef(con.oid), con.contype "
            "FROM pg_constraint con WHERE con.conrelid = ANY(%s::regclass[]) AND con.contype IN ('f', 'u') "
            "ORDER BY 1, 2",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND (%s OR i.indpred IS NULL) "
            "AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid) "
            "ORDER BY 1",
            [tables, partial],
        )
        indexes = cursor.fetchall()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the checks pending from earlier writes first
        for table, name, _definition, _kind in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    unique = [f"ALTER TABLE {t} ADD CONSTRAINT {quote(n)} {d}" for t, n, d, k in constraints if k == "u"]
    foreign = [f"ALTER TABLE {t} ADD CONSTRAINT {quote(n)} {d}" for t, n, d, k in constraints if k == "f"]
    return [d for _n, d in indexes] + unique + foreign


def pg_restore_indexes(statements: list[str], progress=None) -> None:
    """Put back what :func:`pg_defer_indexes` dropped (a unique index rebuilt checks every row; a foreign key
    re-added checks every reference with one join); ``progress(done, total)`` after each statement."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for i, statement in enumerate(statements):
            cursor.execute(statement)
            if progress is not None:
                progress(i + 1, len(statements))
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


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
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, int(n)])
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)


def reset_sequences(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608
            )
