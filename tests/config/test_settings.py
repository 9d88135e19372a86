"""Settings per running mode, read in a fresh interpreter with exactly the environment under test."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "from config.celery import app; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']),"
    " 'eager': app.conf.task_always_eager, 'cache': settings.CACHES['default']['BACKEND'],"
    " 'email': settings.EMAIL_BACKEND, 'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS,"
    " 'lang': settings.LANGUAGE_CODE, 'tz': settings.TIME_ZONE, 'broker': app.conf.broker_url}))"
)


def run_settings(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings", "SINHKE_VAR_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


def probe(env, tmp_path) -> dict:
    done = run_settings(env, tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_embedded_default_with_no_environment(tmp_path):
    s = probe({}, tmp_path)
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(tmp_path / "sinhke.sqlite3")
    assert s["eager"] is True
    assert s["cache"].endswith("LocMemCache")
    assert s["email"].endswith("console.EmailBackend")
    assert s["lang"] == "vi" and s["tz"] == "Asia/Ho_Chi_Minh"


def test_database_url_selects_postgres_and_broker_turns_off_eager(tmp_path):
    s = probe(
        {"DATABASE_URL": "postgres://u:p@db.example:5432/sinhke", "CELERY_BROKER_URL": "redis://r:6379/0"}, tmp_path
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "sinhke"
    assert s["eager"] is False
    assert s["broker"] == "redis://r:6379/0"


def test_sqlite_url_accepted(tmp_path):
    s = probe({"DATABASE_URL": f"sqlite:///{tmp_path}/other.db"}, tmp_path)
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == f"{tmp_path}/other.db"


def test_secret_key_required_when_debug_off(tmp_path):
    done = run_settings({"DEBUG": "0"}, tmp_path)
    assert done.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in done.stderr


def test_allowed_hosts_from_environment(tmp_path):
    s = probe({"DEBUG": "0", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "sinhke.example.vn, 10.0.0.5"}, tmp_path)
    assert s["debug"] is False
    assert s["hosts"] == ["sinhke.example.vn", "10.0.0.5"]


def test_bad_boolean_is_a_clear_error(tmp_path):
    done = run_settings({"DEBUG": "maybe"}, tmp_path)
    assert done.returncode != 0
    assert "DEBUG must be a boolean" in done.stderr


@pytest.mark.parametrize("secret", ["k" * 10 + "Zq9!xT#vL2@pR7$wN4%mB8^cF6&hJ3*dG5(sK1)aY0" * 2])
def test_check_deploy_clean_under_production_settings(tmp_path, secret):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SINHKE_VAR_DIR": str(tmp_path),
        "DEBUG": "0",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "sinhke.example.vn",
        "DATABASE_URL": f"sqlite:///{tmp_path}/prod.db",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
