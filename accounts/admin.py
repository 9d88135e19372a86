from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    CommuneUserObjectPermission,
    ProvinceUserObjectPermission,
    User,
    VillageUserObjectPermission,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Sinh Kế", {"fields": ("full_name", "phone")}))
    list_display = ["username", "full_name", "is_active", "is_superuser"]
    list_filter = ["groups", "is_active", "is_superuser"]


class GrantAdmin(admin.ModelAdmin):
    list_display = ["user", "permission", "content_object"]
    list_select_related = ["user", "permission", "content_object"]
    autocomplete_fields = ["user", "content_object"]
    search_fields = ["user__username", "content_object__name", "content_object__code"]


admin.site.register(ProvinceUserObjectPermission, GrantAdmin)
admin.site.register(CommuneUserObjectPermission, GrantAdmin)
admin.site.register(VillageUserObjectPermission, GrantAdmin)
