"""Login, a home page per role, fail-closed scope on pages and the API."""

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path

from accounts.middleware import area_safe
from tests.conftest import PASSWORD


def undeclared_view(request):
    return HttpResponse("secret of every commune")


@area_safe
def declared_view(request):
    return HttpResponse("scoped")


urlpatterns = [
    path("undeclared/", undeclared_view),
    path("declared/", declared_view),
    path("", include("config.urls")),
]


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("cadre", "/fieldwork/"),
        ("chairman", "/risk/commune/"),
        ("credit_officer", "/credit/"),
        ("group_leader", "/credit/group/"),
        ("province_officer", "/risk/province/"),
        ("admin", "/admin/"),
    ],
)
def test_each_role_lands_on_its_home(client, users, role, home):
    response = client.post("/login/", {"username": users[role].username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


def test_login_page_is_vietnamese(client, db):
    response = client.get("/login/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đăng nhập" in body and 'lang="vi"' in body


def test_wrong_password_is_told_clearly(client, users):
    response = client.post("/login/", {"username": "canbo", "password": "wrong"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Có lỗi" in body or "Lỗi" in body
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in body


def test_cadre_home_lists_only_their_villages(client, users):
    client.force_login(users["cadre"])
    body = client.get("/fieldwork/").content.decode()
    assert "Thôn Một" in body and "Thôn Hai" in body
    assert "Thôn Ba" not in body and "Thôn Bốn" not in body


def test_user_with_role_but_no_area_is_told_so(client, users):
    client.force_login(users["no_area"])
    response = client.get("/")
    assert response.status_code == 200
    assert "Chưa được phân công địa bàn" in response.content.decode()


def test_user_with_no_role_is_told_so(client, users):
    client.force_login(users["no_role"])
    assert "Chưa có vai trò" in client.get("/").content.decode()


@override_settings(ROOT_URLCONF="tests.accounts.test_views")
def test_undeclared_view_refuses_restricted_roles(client, users):
    for role in ["cadre", "chairman", "credit_officer", "group_leader", "province_officer", "no_area"]:
        client.force_login(users[role])
        response = client.get("/undeclared/")
        assert response.status_code == 403, role
        assert b"secret" not in response.content
        assert client.get("/declared/").status_code == 200
    client.force_login(users["admin"])
    assert client.get("/undeclared/").status_code == 200


@override_settings(ROOT_URLCONF="tests.accounts.test_views")
def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/undeclared/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.get("/declared/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_restricted_roles_cannot_open_the_admin(client, users):
    client.force_login(users["chairman"])
    assert client.get("/admin/").status_code == 403


def test_areas_page_is_scoped(client, users):
    client.force_login(users["cadre"])
    body = client.get("/areas/").content.decode()
    assert "Thôn Một" in body and "Thôn Ba" not in body and "Xã Ngoài" not in body
    client.force_login(users["chairman"])
    body = client.get("/areas/").content.decode()
    assert "Xã Cũ" in body  # the predecessor merged into the chairman's commune


def test_error_pages_are_vietnamese(client, users):
    client.force_login(users["cadre"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_english_switch(client, users):
    client.force_login(users["cadre"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/fieldwork/"})
    body = client.get("/fieldwork/").content.decode()
    assert "Villages you serve" in body


def test_logout(client, users):
    client.force_login(users["cadre"])
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/fieldwork/").status_code == 302
