"""A real Celery worker on a real Redis runs a task that reaches the database."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    broker = os.environ.get("TEST_REDIS_URL")
    if not broker:
        pytest.fail("TEST_REDIS_URL is not set: run the suite with `make test`, which starts Redis")
    env = {**os.environ, "CELERY_BROKER_URL": broker, "DATABASE_URL": _test_database_url()}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            "default,risk,imports",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app.conf.task_always_eager = False
    app.conf.broker_url = broker
    app.conf.result_backend = broker
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _test_database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def test_worker_runs_heartbeat(worker):
    result = app.send_task("config.tasks.heartbeat")
    deadline = time.monotonic() + 60
    while not result.ready() and time.monotonic() < deadline and worker.poll() is None:
        time.sleep(0.2)
    if worker.poll() is not None:
        pytest.fail("worker exited: " + worker.stdout.read())
    assert result.get(timeout=5)["db"] is True


def test_worker_recomputes_overdue_statuses_in_chunks(worker, users, province):
    """The nightly overdue refresh (credit.tasks): the fan-out task enqueues one chunk per id range, the worker runs
    them, and a loan whose first instalment passed unpaid becomes overdue."""
    from datetime import date

    from credit.models import Loan
    from tests.credit.factories import group_with_members, loan_through

    group, households = group_with_members(province["a1"], members=3)
    late = loan_through(households[0], group, applied_on=date(2025, 3, 1), disbursed_on=date(2025, 3, 15))
    assert late.status == Loan.Status.REPAYING  # nothing collected since: the first principal was due 15/09/2025
    result = app.send_task("credit.tasks.loan_status_refresh_all", kwargs={"on": "2026-11-27", "chunk": 1})
    assert result.get(timeout=60) >= 1
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and worker.poll() is None:
        late.refresh_from_db()
        if late.status == Loan.Status.OVERDUE:
            break
        time.sleep(0.3)
    if worker.poll() is not None:
        pytest.fail("worker exited: " + worker.stdout.read())
    assert late.status == Loan.Status.OVERDUE
