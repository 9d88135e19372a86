import factory
from factory.django import DjangoModelFactory

from areas.models import Commune, Province, Village


class ProvinceFactory(DjangoModelFactory[Province]):
    class Meta:
        model = Province
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{50 + n % 40}")
    name = factory.Sequence(lambda n: f"Tỉnh {n}")


class CommuneFactory(DjangoModelFactory[Commune]):
    class Meta:
        model = Commune
        django_get_or_create = ("code",)

    province = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"{80000 + n}")
    name = factory.Sequence(lambda n: f"Xã {n}")


class VillageFactory(DjangoModelFactory[Village]):
    class Meta:
        model = Village
        django_get_or_create = ("code",)

    commune = factory.SubFactory(CommuneFactory)
    code = factory.Sequence(lambda n: f"V{n:05d}")
    name = factory.Sequence(lambda n: f"Thôn {n}")
