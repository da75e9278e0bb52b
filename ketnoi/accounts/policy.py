"""Who must use a second factor, how long an idle session lasts: the account rules in one place.

Administrators and leaders open every citizen's data of their units (and approve what goes out in the province's
name), so they must sign in with a second factor; other officials may turn it on. Settings can widen the list.
"""

from django.conf import settings

from ketnoi.orgs.roles import Role
from ketnoi.orgs.scoping import scope_of

DEFAULT_SECOND_FACTOR_ROLES = (Role.SYSTEM_ADMIN, Role.UNIT_ADMIN, Role.LEADER)


def second_factor_roles() -> frozenset[str]:
    return frozenset(getattr(settings, "SECOND_FACTOR_ROLES", DEFAULT_SECOND_FACTOR_ROLES))


def second_factor_required(user) -> bool:
    """True for a superuser and for anyone holding a role that needs it (scope_of caches the roles per request)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return bool(scope_of(user).roles & second_factor_roles())


def idle_seconds() -> int:
    return int(getattr(settings, "SESSION_IDLE_SECONDS", 30 * 60))


def link_lifetime_hours(purpose: str) -> int:
    return int(getattr(settings, "ACCOUNT_LINK_HOURS", {}).get(purpose, 72 if purpose == "invite" else 2))
