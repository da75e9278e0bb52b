"""Django admin, for system administrators only (is_staff comes with the system administrator role).

Day-to-day changes go through the console, which writes through services and the audit log.
"""

from django.contrib import admin

from .models import AdministrativeUnit, Agency, Desk, Membership


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    readonly_fields = ("path",)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "unit")
    list_filter = ("kind",)
    search_fields = ("name", "code")


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "agency")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "agency", "desk", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username",)
