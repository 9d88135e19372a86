"""A cadre logs in on a phone-sized Chromium and sees the cadre home page in Vietnamese."""

import pytest

from tests.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_cadre_logs_in_and_sees_vietnamese_home(live_server, users, phone_page, tmp_path):
    page = phone_page
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    assert page.locator("h1").inner_text() == "Đăng nhập"
    login(page, live_server, "canbo")
    assert page.url.endswith("/fieldwork/")
    assert page.locator("h1").inner_text() == "Trang của cán bộ"
    assert page.locator("html").get_attribute("lang") == "vi"
    body = page.locator("main").inner_text()
    assert "Thôn Một" in body and "Thôn Ba" not in body
    # The page fits a 360-pixel phone: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(tmp_path / "cadre-home.png"), full_page=True)


def test_wrong_password_shows_error_summary(live_server, users, phone_page):
    login(phone_page, live_server, "canbo", password="sai-mat-khau")
    assert phone_page.title().startswith("Có lỗi")
    assert phone_page.locator(".error-summary").is_visible()
