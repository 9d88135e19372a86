"""API of households and their reviews, scoped like the pages: a household outside the caller's scope answers 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action

from accounts.api import AreaSafeAPIMixin

from . import selectors
from .models import Household, Member, Review
from .national_id import mask_national_id
from .services import StandardBook


class MemberSerializer(serializers.ModelSerializer):
    national_id = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = [
            "id",
            "full_name",
            "birth_date",
            "sex",
            "relation",
            "ethnicity",
            "national_id",
            "has_disability",
            "has_health_insurance",
            "schooling",
            "education",
            "employment",
        ]

    def get_national_id(self, member) -> str:
        return member.national_id if self.context.get("show_national_id") else mask_national_id(member.national_id)


class HouseholdSerializer(serializers.ModelSerializer):
    commune = serializers.CharField(source="commune.code", read_only=True)
    village = serializers.CharField(source="village.code", read_only=True)
    classification = serializers.CharField(source="latest_classification", read_only=True)
    transition = serializers.CharField(source="latest_transition", read_only=True)
    list_year = serializers.IntegerField(source="latest_list_year", read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "commune",
            "village",
            "head_name",
            "head_ethnicity",
            "area_type",
            "size",
            "female_headed",
            "has_disabled_member",
            "classification",
            "transition",
            "list_year",
            "version",
        ]


class HouseholdDetailSerializer(HouseholdSerializer):
    members = MemberSerializer(many=True, read_only=True)

    class Meta(HouseholdSerializer.Meta):
        fields = [*HouseholdSerializer.Meta.fields, "address", "members"]


class ReviewSerializer(serializers.ModelSerializer):
    standard = serializers.CharField(source="standard.code", read_only=True)
    deprived = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = [
            "id",
            "kind",
            "review_date",
            "list_year",
            "standard",
            "income_per_capita",
            "household_size",
            "deprived",
            "deprivation_count",
            "classification",
            "transition",
            "status",
            "overrides",
        ]

    def get_deprived(self, review) -> list[str]:
        return self.context["book"].codes(review.deprived_mask)


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, description="name (no diacritics needed), household code or national ID"),
        OpenApiParameter("village", int),
        OpenApiParameter("classification", str),
        OpenApiParameter("transition", str),
    ]
)
class HouseholdViewSet(AreaSafeAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Households the caller serves; each item has its latest recognised classification."""

    def get_queryset(self):
        if self.action == "retrieve":
            return (
                selectors.household_scope(user=self.request.user)
                .select_related("commune", "village")
                .prefetch_related("members")
            )
        p = self.request.query_params
        village = p.get("village")
        return selectors.household_list(
            user=self.request.user,
            q=p.get("q", ""),
            village=int(village) if village and village.isdigit() else None,
            classification=p.get("classification", ""),
            transition=p.get("transition", ""),
        )

    def get_serializer_class(self):
        return HouseholdDetailSerializer if self.action == "retrieve" else HouseholdSerializer

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "show_national_id": selectors.can_see_national_id(self.request.user),
        }

    @extend_schema(responses=ReviewSerializer(many=True))
    @action(detail=True, methods=["get"])
    def reviews(self, request, pk=None):
        household = self.get_object()
        qs = selectors.review_list(user=request.user, household=household)
        page = self.paginate_queryset(qs)
        data = ReviewSerializer(page, many=True, context={"book": StandardBook.load()}).data
        return self.get_paginated_response(data)
