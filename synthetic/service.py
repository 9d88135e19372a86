"""Build the synthetic province in the database: generate (pure, in memory), then write (bulk)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from households.services import StandardBook

from .generator import generate
from .writer import WriteResult, province_write


def synthetic_province_build(
    *,
    households: int,
    seed: int,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int = 1,
    max_loans: int | None = None,
    loan_priority: Sequence[str] = (),
) -> WriteResult:
    """Generate ``households`` households for ``seed`` under the database's standards and write them.

    Replaces the synthetic households already there (not the rest of the database). ``max_loans`` and
    ``loan_priority``: see ``synthetic.writer.province_write``.
    """
    book = StandardBook.load()
    province = generate(
        households,
        seed,
        standards=list(book.pure.values()),
        progress=(lambda done, total: progress("generating", done, total)) if progress else None,
        workers=workers,
    )
    return province_write(
        province=province, book=book, progress=progress, max_loans=max_loans, loan_priority=loan_priority
    )
