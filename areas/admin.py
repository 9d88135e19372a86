from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Commune, Province, Village


@admin.register(Province)
class ProvinceAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "valid_from", "valid_to", "merged_into"]
    search_fields = ["code", "name"]


@admin.register(Commune)
class CommuneAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "province", "kind", "area_type", "disadvantaged", "valid_to", "merged_into"]
    list_filter = ["province", "area_type", "disadvantaged", "ethnic_minority_region", "kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["merged_into"]
    list_select_related = ["province", "merged_into"]


@admin.register(Village)
class VillageAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "commune", "kind", "valid_to", "merged_into"]
    list_filter = ["kind", "commune__province"]
    search_fields = ["code", "name", "commune__name"]
    autocomplete_fields = ["commune", "merged_into"]
    list_select_related = ["commune", "merged_into"]
