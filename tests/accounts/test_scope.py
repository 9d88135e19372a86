"""Who sees which areas: cadre the granted villages, chairman the commune (with its predecessors), province officer
the province, a user with no area nothing."""

import pytest

from accounts.scope import user_scope
from areas.models import Village


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_cadre_sees_only_granted_villages(users, province):
    scope = user_scope(users["cadre"])
    assert codes(scope.villages()) == ["90001-01", "90001-02"]
    assert codes(scope.communes(whole=True)) == []
    assert codes(scope.communes(whole=False)) == ["90001"]
    assert not scope.sees_commune(province["a"])


def test_chairman_sees_commune_and_its_predecessors(users, province):
    scope = user_scope(users["chairman"])
    assert codes(scope.villages()) == ["90001-01", "90001-02", "90001-03", "90101-01"]
    assert codes(scope.communes(whole=True)) == ["90001", "90101"]
    assert scope.sees_commune(province["a"]) and not scope.sees_commune(province["b"])


def test_credit_officer_sees_the_communes_served(users):
    assert codes(user_scope(users["credit_officer"]).communes(whole=True)) == ["90001", "90002", "90101"]


def test_province_officer_sees_the_province_only(users):
    scope = user_scope(users["province_officer"])
    assert codes(scope.communes(whole=True)) == ["90001", "90002", "90101"]
    assert "91001-01" not in codes(scope.villages())
    assert len(codes(scope.villages())) == 5


def test_user_with_no_area_sees_nothing(users):
    scope = user_scope(users["no_area"])
    assert scope.is_empty
    assert scope.villages().count() == 0
    assert scope.communes().count() == 0
    assert scope.filter_villages(Village.objects.all(), path="").count() == 0


def test_superuser_is_unrestricted(users):
    assert user_scope(users["admin"]).villages().count() == Village.objects.count()


def test_group_grant_counts(province, make_user):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    team = Group.objects.create(name="Tổ công tác thôn Ba")
    assign_perm("areas.serve_village", team, province["a3"])
    user = make_user("thanhvien", "cadre")
    user.groups.add(team)
    assert codes(user_scope(user).villages()) == ["90001-03"]


def test_global_permission_does_not_open_every_area(province, make_user):
    """A model-level serve_commune (given by mistake to a role group) must not open every commune."""
    from django.contrib.auth.models import Group, Permission

    user = make_user("loi", "chairman")
    Group.objects.get(name="chairman").permissions.add(Permission.objects.get(codename="serve_commune"))
    assert user_scope(type(user).objects.get(pk=user.pk)).is_empty


def test_filter_through_a_related_path(users, province):
    """Selectors of later apps filter rows that hang off a village, e.g. households: village__… lookups."""
    from accounts.models import VillageUserObjectPermission

    qs = VillageUserObjectPermission.objects.all()
    seen = user_scope(users["chairman"]).filter_villages(qs, path="content_object")
    assert {g.content_object.code for g in seen} <= {"90001-01", "90001-02", "90001-03", "90101-01"}


@pytest.mark.parametrize("role", ["cadre", "chairman", "province_officer"])
def test_scope_is_computed_once_per_request(users, role, django_assert_max_num_queries):
    user = users[role]
    with django_assert_max_num_queries(8):
        user_scope(user)
    with django_assert_max_num_queries(0):
        user_scope(user)
