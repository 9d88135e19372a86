"""The custom user and the direct-foreign-key object permissions that grant areas to users and groups.

A grant is django-guardian's ``serve_province`` / ``serve_commune`` / ``serve_village`` permission on one area row.
The direct-FK tables (rather than guardian's generic ones) keep the scope query one indexed join
(docs/adr/0001-scope-by-area.md).
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from areas.models import Commune, Province, Village


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class ProvinceUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Province, on_delete=models.CASCADE)


class ProvinceGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Province, on_delete=models.CASCADE)


class CommuneUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Commune, on_delete=models.CASCADE)


class CommuneGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Commune, on_delete=models.CASCADE)


class VillageUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Village, on_delete=models.CASCADE)


class VillageGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Village, on_delete=models.CASCADE)
