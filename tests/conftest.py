"""Shared fixtures: a small province, users per role, a headless Chromium driven by Playwright."""

from __future__ import annotations

import os
from datetime import date

import pytest
from django.contrib.auth.models import Group

from accounts.services import roles_ensure, user_area_grant, user_roles_set
from config.celery import app as celery_app
from tests.accounts.factories import UserFactory
from tests.areas.factories import CommuneFactory, ProvinceFactory, VillageFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _celery_eager():
    """Unit tests run tasks in-process; tests/integration start a real worker and turn this off."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield


@pytest.fixture(autouse=True)
def _english_messages():
    """Service-level messages are asserted in English (the msgids); pages pick Vietnamese per request."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _seed_after_flush(request):
    """Transactional tests flush the tables, seeded rows included; put the seed standards back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        from credit.seed import reference_data_ensure
        from households.seed import standards_ensure

        request.getfixturevalue("transactional_db")
        standards_ensure()
        reference_data_ensure()
    yield


@pytest.fixture
def province(db):
    """One province: commune A (with a predecessor merged into it), commune B, and another province's commune C."""
    prov = ProvinceFactory(code="90", name="Tỉnh Thử")
    a = CommuneFactory(province=prov, code="90001", name="Xã An Bình")
    old = CommuneFactory(province=prov, code="90101", name="Xã Cũ", valid_to=date(2025, 6, 30), merged_into=a)
    b = CommuneFactory(province=prov, code="90002", name="Xã Bình Minh")
    other = ProvinceFactory(code="91", name="Tỉnh Khác")
    c = CommuneFactory(province=other, code="91001", name="Xã Ngoài")
    villages = {
        "a1": VillageFactory(commune=a, code="90001-01", name="Thôn Một"),
        "a2": VillageFactory(commune=a, code="90001-02", name="Thôn Hai"),
        "a3": VillageFactory(commune=a, code="90001-03", name="Thôn Ba"),
        "old1": VillageFactory(commune=old, code="90101-01", name="Thôn Cũ"),
        "b1": VillageFactory(commune=b, code="90002-01", name="Thôn Bốn"),
        "c1": VillageFactory(commune=c, code="91001-01", name="Thôn Năm"),
    }
    return {"province": prov, "other_province": other, "a": a, "old": old, "b": b, "c": c, **villages}


@pytest.fixture
def make_user(db):
    roles_ensure()

    def make(username: str, role: str | None = None, areas=(), **extra):
        user = UserFactory(username=username, **extra)
        user.set_password(PASSWORD)
        user.save()
        if role:
            user_roles_set(user=user, roles=[role])
        for area in areas:
            user_area_grant(user=user, area=area)
        return type(user).objects.get(pk=user.pk)  # fresh, no cached scope

    return make


@pytest.fixture
def users(province, make_user):
    p = province
    return {
        "cadre": make_user("canbo", "cadre", [p["a1"], p["a2"]]),
        "chairman": make_user("chutich", "chairman", [p["a"]]),
        "credit_officer": make_user("tindung", "credit_officer", [p["a"], p["b"]]),
        "group_leader": make_user("totruong", "group_leader", [p["a1"]]),
        "province_officer": make_user("tinh", "province_officer", [p["province"]]),
        "no_area": make_user("trong", "cadre"),
        "no_role": make_user("khach"),
        "admin": make_user("quantri", is_superuser=True, is_staff=True),
    }


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone_page(browser):
    """A page the size of a 360-pixel-wide phone, in Vietnamese."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN", device_scale_factor=2)
    page = context.new_page()
    yield page
    context.close()


def login(page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


__all__ = ["Group", "login", "PASSWORD"]
