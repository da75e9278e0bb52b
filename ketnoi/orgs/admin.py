"""Django admin, for system administrators only (is_staff comes with the system administrator role): read-only.

Units, agencies, desks, memberships and accounts change only in the console, through services that check the scope,
keep unit paths and history, and write the audit log. The admin may look, never write: a unit created here would
have no path, and a change here no audit row.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .models import AdministrativeUnit, Agency, Desk, Membership


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("kind",)
    search_fields = ("name", "code")


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "kind", "unit")
    list_filter = ("kind",)
    search_fields = ("name", "code")


@admin.register(Desk)
class DeskAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "agency")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "unit", "agency", "desk", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("user__username",)


class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "first_name", "last_name", "email", "is_active", "last_login")
    list_filter = ("is_active",)
    search_fields = ("username", "first_name", "last_name", "email")
    exclude = ("password",)


def _make_accounts_read_only() -> None:
    """Accounts too: deactivation, passwords and second factors go through ketnoi.accounts.services."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (get_user_model(), Group, TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
    admin.site.register(get_user_model(), UserAdmin)


_make_accounts_read_only()
