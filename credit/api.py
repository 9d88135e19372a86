"""The credit API: loans, their ledger, and collections with an idempotency key. Scoped like the pages: a loan
outside the caller's scope answers 404; amounts are null for roles that do not see them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.api import AreaSafeAPIMixin
from accounts.roles import CREDIT_OFFICER, ERR_ROLE, has_role

from . import selectors, services
from .models import LedgerEntry, Loan

AMOUNT_FIELDS = (
    "amount_requested",
    "amount_approved",
    "outstanding_principal",
    "principal_disbursed",
    "principal_repaid",
    "principal_written_off",
)


class LoanSerializer(serializers.ModelSerializer):
    household = serializers.CharField(source="household.code", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    commune = serializers.CharField(source="commune.code", read_only=True)
    village = serializers.CharField(source="village.code", read_only=True)
    program = serializers.CharField(source="program.code", read_only=True)
    group = serializers.CharField(source="group.code", read_only=True, allow_null=True, default=None)
    # A plain string (not an enum component): the name "status" is taken by the review workflow's enum.
    status = serializers.CharField(read_only=True, help_text="one of: " + ", ".join(Loan.Status.values))
    amount_requested = serializers.IntegerField(read_only=True, allow_null=True, help_text="đồng; null when hidden")
    amount_approved = serializers.IntegerField(read_only=True, allow_null=True, help_text="đồng; null when hidden")
    outstanding_principal = serializers.IntegerField(read_only=True, allow_null=True, help_text="đồng")
    principal_disbursed = serializers.IntegerField(read_only=True, allow_null=True, help_text="đồng")
    principal_repaid = serializers.IntegerField(read_only=True, allow_null=True, help_text="đồng")
    principal_written_off = serializers.IntegerField(read_only=True, allow_null=True, help_text="đồng")

    class Meta:
        model = Loan
        fields = [
            "id",
            "household",
            "head_name",
            "commune",
            "village",
            "program",
            "group",
            "purpose",
            "status",
            "term_months",
            "principal_every_months",
            "applied_on",
            "certified_on",
            "approved_on",
            "disbursed_on",
            "maturity_date",
            "closed_on",
            *AMOUNT_FIELDS,
            "version",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_amounts"):
            for name in AMOUNT_FIELDS:
                data[name] = None
        return data


class LoanDetailSerializer(LoanSerializer):
    refusal_reasons = serializers.JSONField(read_only=True)
    borrowing_plan = serializers.CharField(read_only=True)

    class Meta(LoanSerializer.Meta):
        fields = [*LoanSerializer.Meta.fields, "refusal_step", "refusal_reasons", "borrowing_plan"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self.context.get("show_amounts"):
            data["borrowing_plan"] = None
        return data


class LedgerEntrySerializer(serializers.ModelSerializer):
    reverses = serializers.IntegerField(source="reverses_id", read_only=True, allow_null=True)
    sheet = serializers.IntegerField(source="sheet_id", read_only=True, allow_null=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "account",
            "amount",
            "value_date",
            "posted_at",
            "idempotency_key",
            "reverses",
            "sheet",
            "note",
        ]


class CollectionInputSerializer(serializers.Serializer):
    value_date = serializers.DateField(required=False, help_text="the day the money was collected (today)")
    principal = serializers.IntegerField(min_value=0, default=0, help_text="đồng")
    interest = serializers.IntegerField(min_value=0, default=0, help_text="đồng")
    overdue_interest = serializers.IntegerField(min_value=0, default=0, help_text="đồng")
    idempotency_key = serializers.CharField(
        required=False, max_length=100, help_text="or the Idempotency-Key header; the same key again records nothing"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CollectionResultSerializer(serializers.Serializer):
    created = serializers.BooleanField(help_text="false: this key was already recorded (nothing new)")
    entries = LedgerEntrySerializer(many=True)
    outstanding_principal = serializers.IntegerField()
    status = serializers.CharField()


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, enum=Loan.Status.values),
        OpenApiParameter("program", str, description="programme code, e.g. poor_household"),
        OpenApiParameter("group", int),
        OpenApiParameter("q", str, description="household code or head's name (no diacritics needed)"),
    ]
)
class LoanViewSet(AreaSafeAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Loans in the caller's scope (credit officer: communes served; group leader: the groups led; chairman: the
    commune; cadre: the households served, without amounts unless granted ``credit.view_loan_amounts``)."""

    queryset = Loan.objects.none()  # for the schema; get_queryset scopes every request

    def get_queryset(self):
        p = self.request.query_params
        qs = selectors.loan_list(user=self.request.user, status=p.get("status", ""), q=p.get("q", ""))
        if p.get("program"):
            qs = qs.filter(program__code=p["program"])
        if p.get("group", "").isdigit():
            qs = qs.filter(group_id=int(p["group"]))
        return qs

    def get_serializer_class(self):
        return LoanDetailSerializer if self.action == "retrieve" else LoanSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "show_amounts": selectors.can_see_amounts(self.request.user)}

    @extend_schema(responses=LedgerEntrySerializer(many=True), summary="Every money movement of the loan")
    @action(detail=True, methods=["get"])
    def ledger(self, request, pk=None):
        loan = self.get_object()
        try:
            qs = selectors.loan_ledger(user=request.user, loan=loan)
        except PermissionDenied as exc:
            raise DRFPermissionDenied(str(exc)) from exc
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(LedgerEntrySerializer(page, many=True).data)

    @extend_schema(
        request=CollectionInputSerializer,
        responses={201: CollectionResultSerializer, 200: CollectionResultSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                required=False,
                description="one key per collection: a retry with the same key records nothing new",
            ),
        ],
        summary="Post a collection (principal, interest, overdue interest) for the loan",
    )
    @action(detail=True, methods=["post"])
    def collections(self, request, pk=None):
        loan = self.get_object()
        if not has_role(request.user, CREDIT_OFFICER):
            raise DRFPermissionDenied(str(ERR_ROLE % {"roles": "credit_officer"}))
        data = CollectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        key = request.headers.get("Idempotency-Key") or d.get("idempotency_key")
        if not key:
            raise ValidationError({"idempotency_key": [str(services.ERR_KEY_REQUIRED)]})
        try:
            result = services.loan_collection_post(
                loan=loan,
                on=d.get("value_date") or timezone.localdate(),
                principal=d["principal"],
                interest=d["interest"],
                overdue_interest=d["overdue_interest"],
                idempotency_key=f"api:{key}",
                by=request.user,
                note=d.get("note", ""),
            )
        except DjangoValidationError as exc:
            raise ValidationError({"detail": exc.messages}) from exc
        result.loan.refresh_from_db(fields=["outstanding_principal", "status"])
        body = CollectionResultSerializer(
            {
                "created": result.created,
                "entries": result.entries,
                "outstanding_principal": result.loan.outstanding_principal,
                "status": result.loan.status,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)
