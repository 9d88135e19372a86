from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Household, Indicator, Member, PovertyStandard, Review, ReviewRequest


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["bit", "code", "name_vi", "dimension_vi", "member_derived"]
    readonly_fields = ["bit", "code"]  # a bit never changes meaning (docs/adr/0002)
    search_fields = ["code", "name_vi", "name_en"]


@admin.register(PovertyStandard)
class PovertyStandardAdmin(SimpleHistoryAdmin):
    """The standards are data: an administrator corrects the provisional parts when the legal text is confirmed."""

    list_display = [
        "code",
        "name_vi",
        "province",
        "valid_from",
        "valid_to",
        "rural_income_line",
        "urban_income_line",
        "provisional",
    ]
    list_filter = ["province"]
    filter_horizontal = ["indicators"]


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    fields = [
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


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["code", "head_name", "village", "commune", "latest_classification", "latest_list_year"]
    list_filter = ["latest_classification", "latest_transition", "commune"]
    search_fields = ["code", "head_name", "head_name_folded"]
    list_select_related = ["village", "commune"]
    readonly_fields = ["latest_classification", "latest_transition", "latest_list_year", "version"]
    raw_id_fields = ["village", "commune"]
    inlines = [MemberInline]


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    """Read-mostly: reviews change through the workflow services, never by editing here."""

    list_display = ["household", "list_year", "review_date", "kind", "classification", "transition", "status"]
    list_filter = ["status", "kind", "list_year", "classification", "transition"]
    search_fields = ["household__code", "household__head_name"]
    raw_id_fields = ["household", "superseded_by"]
    list_select_related = ["household"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReviewRequest)
class ReviewRequestAdmin(SimpleHistoryAdmin):
    list_display = ["household", "ask", "received_on", "deadline", "decided_on", "outcome"]
    list_filter = ["outcome", "ask"]
    raw_id_fields = ["household", "review"]
