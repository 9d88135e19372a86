"""The caller's own account: who they are, their roles and the areas they serve."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.models import Commune, Village

from .roles import user_roles
from .scope import user_scope


class AreaRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    is_superuser = serializers.BooleanField()
    provinces = AreaRefSerializer(many=True)
    communes = AreaRefSerializer(many=True)
    villages = AreaRefSerializer(many=True)


class AreaSafeAPIMixin:
    """DRF views open to area-restricted roles declare it by inheriting this; ``self.scope`` is the caller's scope."""

    area_safe = True

    @property
    def scope(self):
        return user_scope(self.request.user)


class MeView(AreaSafeAPIMixin, APIView):
    @extend_schema(responses=MeSerializer, summary="The caller, their roles and the areas they serve")
    def get(self, request):
        scope = self.scope
        user = request.user
        data = {
            "username": user.username,
            "full_name": str(user),
            "roles": user_roles(user),
            "is_superuser": user.is_superuser,
            "provinces": list(scope.provinces().values("id", "code", "name")) if not scope.unrestricted else [],
            "communes": list(scope.communes().values("id", "code", "name")) if not scope.unrestricted else [],
            "villages": list(Village.objects.filter(pk__in=sorted(scope.village_ids)).values("id", "code", "name")),
        }
        return Response(MeSerializer(data).data)


class CommuneSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province.code")
    merged_into = serializers.CharField(source="merged_into.code", default=None)

    class Meta:
        model = Commune
        fields = [
            "id",
            "code",
            "name",
            "province",
            "kind",
            "area_type",
            "disadvantaged",
            "ethnic_minority_region",
            "valid_from",
            "valid_to",
            "merged_into",
        ]


class VillageSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.code")

    class Meta:
        model = Village
        fields = ["id", "code", "name", "commune", "kind", "valid_from", "valid_to"]


class CommuneViewSet(AreaSafeAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Communes the caller serves wholly or partly; others answer 404."""

    serializer_class = CommuneSerializer
    filterset_fields = ["area_type", "disadvantaged", "code"]

    def get_queryset(self):
        return self.scope.communes(whole=False).select_related("merged_into").order_by("code")


class VillageViewSet(AreaSafeAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Villages the caller serves; others answer 404."""

    serializer_class = VillageSerializer
    filterset_fields = ["commune"]

    def get_queryset(self):
        return self.scope.villages().order_by("code")
