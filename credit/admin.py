"""The administrator corrects reference data (programmes, rates, causes, rules: many facts are unconfirmed and kept
as editable data, each with its history). Loans and the ledger are read-only here: they change through services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    CreditPolicy,
    GroupMembership,
    LedgerEntry,
    Loan,
    LoanProgram,
    LoanUseCheck,
    MassOrganization,
    RateSchedule,
    RiskCause,
    SavingsGroup,
    TransactionPoint,
)


class RateInline(admin.TabularInline):
    model = RateSchedule
    extra = 0
    fields = ["valid_from", "annual_rate", "legal_basis", "unconfirmed"]


@admin.register(LoanProgram)
class LoanProgramAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "name_vi",
        "max_amount",
        "max_term_months",
        "overdue_multiplier",
        "use_check_days",
        "active",
    ]
    readonly_fields = ["code"]
    inlines = [RateInline]


@admin.register(RateSchedule)
class RateScheduleAdmin(SimpleHistoryAdmin):
    list_display = ["program", "valid_from", "annual_rate", "monthly_percent", "legal_basis"]
    list_filter = ["program"]


@admin.register(CreditPolicy)
class CreditPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "group_min_members", "group_max_members", "newly_escaped_years"]

    def has_add_permission(self, request):
        return not CreditPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RiskCause)
class RiskCauseAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_vi", "legal_basis", "active"]


@admin.register(MassOrganization)
class MassOrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en"]


@admin.register(TransactionPoint)
class TransactionPointAdmin(SimpleHistoryAdmin):
    list_display = ["name", "commune", "session_day", "active"]
    list_select_related = ["commune"]
    raw_id_fields = ["commune"]


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    raw_id_fields = ["household"]


@admin.register(SavingsGroup)
class SavingsGroupAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "commune", "village", "organisation", "leader", "approved_on", "quality_grade"]
    list_select_related = ["commune", "village", "organisation", "leader"]
    raw_id_fields = ["village", "commune", "leader", "approved_by", "transaction_point"]
    filter_horizontal = ["adjacent_villages"]
    inlines = [MembershipInline]


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ["pk", "household", "program", "status", "amount_requested", "outstanding_principal", "applied_on"]
    list_filter = ["status", "program"]
    list_select_related = ["household", "program"]
    search_fields = ["household__code"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["pk", "loan", "kind", "account", "amount", "value_date", "posted_by"]
    list_filter = ["kind", "account"]
    list_select_related = ["posted_by"]
    raw_id_fields = ["loan"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LoanUseCheck)
class LoanUseCheckAdmin(ReadOnlyAdmin):
    list_display = ["loan", "due_by", "checked_on", "outcome", "checker"]
    list_filter = ["outcome"]
