"""The demo: a synthetic province and one account per role, all with the password ``sinhke-demo``.

Idempotent: a second run reuses what is there. Later parts of the plan add reviews, loans, scores and visits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from accounts.services import roles_ensure, user_area_grant, user_roles_set
from areas.models import Commune, Province, Village
from areas.services import areas_import_csv

from . import areas as synthetic_areas

DEMO_PASSWORD = "sinhke-demo"  # noqa: S105 (documented demo password)
DEMO_COMMUNE = "90001"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str | None
    areas: tuple[tuple[str, str], ...]  # (level, code)
    sees: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "Quản trị hệ thống", None, (), "the admin site: areas, users, standards, programmes"),
    DemoAccount("tinh1", "Lê Thị Hoa", "province_officer", (("province", "90"),), "every commune of the province"),
    DemoAccount("chutich1", "Hoàng Văn Quân", "chairman", (("commune", DEMO_COMMUNE),), "Xã Tân Minh, whole"),
    DemoAccount(
        "tindung1",
        "Nông Thị Lan",
        "credit_officer",
        (("commune", DEMO_COMMUNE), ("commune", "90002")),
        "the loans of Xã Tân Minh and Xã Hồng Phong",
    ),
    DemoAccount(
        "totruong1",
        "Ma Văn Hùng",
        "group_leader",
        (("village", "90001-01"),),
        "the savings-and-loan group of Thôn Nà Lầu",
    ),
    DemoAccount(
        "canbo1",
        "Triệu Thị Mai",
        "cadre",
        (("village", "90001-01"), ("village", "90001-02")),
        "households of Thôn Nà Lầu and Thôn Khuổi Pết",
    ),
    DemoAccount(
        "canbo2",
        "Lý Văn Sáng",
        "cadre",
        (("village", "90001-03"), ("village", "90001-04")),
        "households of Bản Phiêng Luông and Thôn Đồng Tâm",
    ),
)

AREA_MODELS = {"province": Province, "commune": Commune, "village": Village}


def demo_areas() -> None:
    result = areas_import_csv(data=synthetic_areas.area_csv())
    if result.errors:  # the generator and the importer disagree: a bug, say it loudly
        raise RuntimeError("synthetic areas failed validation: " + "; ".join(map(str, result.errors)))


@transaction.atomic
def demo_accounts() -> list[User]:
    roles_ensure()
    users = []
    for spec in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(username=spec.username, defaults={"full_name": spec.full_name})
        if created:
            user.set_password(DEMO_PASSWORD)
            if spec.role is None:
                user.is_superuser = user.is_staff = True
            user.save()
        if spec.role:
            user_roles_set(user=user, roles=[spec.role])
        for level, code in spec.areas:
            user_area_grant(user=user, area=AREA_MODELS[level].objects.get(code=code))
        users.append(user)
    return users


def build_demo(*, stdout=None) -> None:
    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    say("Areas of the synthetic province…")
    demo_areas()
    say("Demo accounts…")
    demo_accounts()
    say("Done. Log in at http://127.0.0.1:8000/ with any demo account; the password is " + DEMO_PASSWORD)
