"""Benchmarks: figures written as JSON under var/bench/, compared with the budgets of design.md §7.

Each module ``bench/bench_<name>.py`` defines ``BUDGET`` (a dict describing the budget, or None) and
``run() -> dict`` returning its figures (seconds, counts, p95...). They are measurements, not pass/fail tests.
"""
