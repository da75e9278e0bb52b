"""Writes to officials' accounts: invitations, one-time links, passwords, the second factor, deactivation.

Each is keyword-only, one transaction, one audit row (never with a password, token or code in it). The audit row
is filed under the official's first unit, so the unit's administrators see it in their audit log.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.orgs.models import AdministrativeUnit, Agency, Desk, Membership
from ketnoi.orgs.scoping import scope_of
from ketnoi.orgs.services import official_create

from . import twofactor
from .models import AccountLink, LinkPurpose
from .policy import link_lifetime_hours, second_factor_required

User = get_user_model()


def official_unit_path(user) -> str:
    """Where an official's account changes are filed in the audit log: their first unit, else the root."""
    membership = Membership.objects.filter(user=user).select_related("unit").order_by("id").first()
    return membership.unit.path if membership else "/"


def _require_manage_of(actor, user) -> None:
    """An administrator may act on an official only if every unit the official serves is in their charge."""
    if actor is None:
        return
    scope = scope_of(actor).narrowed("orgs.manage_officials")
    paths = list(Membership.objects.filter(user=user).values_list("unit__path", flat=True))
    if not paths or not all(scope.covers_path(p) for p in paths):
        raise NotPermitted()
    if user.is_superuser and not scope_of(actor).is_system_admin:
        raise NotPermitted()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse("console:account_link", kwargs={"token": token})


def _issue_link(*, actor, user, purpose: str) -> str:
    """A new one-time link (earlier unused links of the same purpose stop working). Returns the raw token."""
    now = timezone.now()
    AccountLink.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    AccountLink.objects.create(
        user=user,
        purpose=purpose,
        token_hash=_hash(token),
        created_by=as_actor(actor).user,
        expires_at=now + dt.timedelta(hours=link_lifetime_hours(purpose)),
    )
    return token


def _mail_link(*, user, url: str, purpose: str) -> None:
    if purpose == LinkPurpose.INVITE:
        subject = gettext("Your account on the officials' console")
        body = gettext(
            "You have been invited to the officials' console. Set your password here (the link works once): %(url)s"
        )
    else:
        subject = gettext("Reset your console password")
        body = gettext("Set a new password for the officials' console here (the link works once): %(url)s")
    send_mail(subject, body % {"url": url}, None, [user.email])


@transaction.atomic
def official_invite(
    *,
    actor,
    username: str,
    full_name: str,
    email: str,
    unit: AdministrativeUnit,
    role: str,
    agency: Agency | None = None,
    desk: Desk | None = None,
    send_email: bool = True,
) -> tuple[object, str]:
    """A new official with no password yet, their first role, and a one-time link to set the password.

    The link is returned so the administrator can hand it over (shown once), and mailed when there is an address.
    """
    user = official_create(
        actor=actor,
        username=username,
        full_name=full_name,
        password=None,
        unit=unit,
        role=role,
        agency=agency,
        desk=desk,
        email=email,
    )
    token = _issue_link(actor=actor, user=user, purpose=LinkPurpose.INVITE)
    url = link_url(token)
    mailed = bool(send_email and user.email)
    audit_record(
        actor=actor,
        action="official.invite",
        target=user,
        unit_path=unit.path,
        after={"username": user.username, "email": user.email, "mailed": mailed},
    )
    if mailed:
        transaction.on_commit(lambda: _mail_link(user=user, url=url, purpose=LinkPurpose.INVITE))
    return user, url


@transaction.atomic
def reset_link_issue(*, actor, user, send_email: bool = False) -> str:
    """A one-time link to set a new password, for an official who forgot theirs (given by their administrator)."""
    _require_manage_of(actor, user)
    token = _issue_link(actor=actor, user=user, purpose=LinkPurpose.RESET)
    url = link_url(token)
    mailed = bool(send_email and user.email)
    audit_record(
        actor=actor,
        action="official.reset_link",
        target=user,
        unit_path=official_unit_path(user),
        after={"mailed": mailed},
    )
    if mailed:
        transaction.on_commit(lambda: _mail_link(user=user, url=url, purpose=LinkPurpose.RESET))
    return url


RESET_REQUESTS_PER_HOUR = 5


def _over_reset_limit(key: str) -> bool:
    """At most RESET_REQUESTS_PER_HOUR reset mails per client address and per login (Django's cache), so the
    public form cannot be used to flood an official's mailbox."""
    from django.core.cache import cache

    cache_key = f"ketnoi:reset:{hashlib.sha256(key.encode()).hexdigest()}"
    cache.add(cache_key, 0, timeout=3600)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        count = 1
    return count > RESET_REQUESTS_PER_HOUR


@transaction.atomic
def reset_requested(*, login: str, client: str = "") -> None:
    """Forgot password: mail a reset link to the official with this username or address, if there is one.

    Says nothing either way, so the form cannot be used to find out who has an account; limited per client
    address and per login.
    """
    login = login.strip()
    if not login:
        return
    if _over_reset_limit(f"client:{client}") or _over_reset_limit(f"login:{login.lower()}"):
        return
    user = (
        User.objects.filter(is_active=True, username=login.lower()).first()
        or User.objects.filter(is_active=True, email__iexact=login).exclude(email="").first()
    )
    if user is None or not user.email:
        return
    reset_link_issue(actor=None, user=user, send_email=True)


def link_find(token: str) -> AccountLink | None:
    link = AccountLink.objects.select_related("user").filter(token_hash=_hash(token)).first()
    return link if link is not None and link.is_usable and link.user.is_active else None


@transaction.atomic
def link_use(*, token: str, password: str):
    """Set the password through a one-time link; the link is used up. Returns the official."""
    link = AccountLink.objects.select_for_update().select_related("user").filter(token_hash=_hash(token)).first()
    if link is None or not link.is_usable or not link.user.is_active:
        raise ApplicationError(gettext("This link has expired or has already been used."), code="expired")
    user = link.user
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="invalid") from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    audit_record(
        actor=user,
        action="official.password_set" if link.purpose == LinkPurpose.INVITE else "official.password_reset",
        target=user,
        unit_path=official_unit_path(user),
    )
    return user


@transaction.atomic
def password_change(*, user, new_password: str) -> None:
    """The official changes their own password (the view has checked the old one)."""
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="invalid") from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="official.password_change", target=user, unit_path=official_unit_path(user))


@transaction.atomic
def totp_start(*, user):
    """A new, unconfirmed authenticator device (replacing an earlier unconfirmed one)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if twofactor.has_second_factor(user):
        raise ApplicationError(gettext("A second factor is already set up."), code="exists")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=twofactor.TOTP_NAME, confirmed=False)


@transaction.atomic
def totp_confirm(*, user, code: str) -> tuple[object, list[str]]:
    """The first code from the app proves it is set up: the device is confirmed, recovery codes issued (once)."""
    device = twofactor.pending_totp(user)
    if device is None:
        raise ApplicationError(gettext("Start the set-up again."), code="invalid")
    if not device.verify_token("".join(code.split())):
        raise ApplicationError(gettext("That code is not right. Check the time on your phone and try again."))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = twofactor.new_recovery_codes(user)
    audit_record(
        actor=user,
        action="official.second_factor_on",
        target=user,
        unit_path=official_unit_path(user),
        after={"method": "totp", "recovery_codes": len(codes)},
    )
    return device, codes


@transaction.atomic
def recovery_codes_renew(*, user) -> list[str]:
    if not twofactor.has_second_factor(user):
        raise ApplicationError(gettext("Set up the authenticator app first."), code="invalid")
    codes = twofactor.new_recovery_codes(user)
    audit_record(actor=user, action="official.recovery_codes", target=user, unit_path=official_unit_path(user))
    return codes


@transaction.atomic
def second_factor_off(*, user) -> None:
    """An official for whom the second factor is optional may turn it off again."""
    if second_factor_required(user):
        raise NotPermitted(gettext("Your role requires a second factor."))
    twofactor.remove_all(user)
    audit_record(actor=user, action="official.second_factor_off", target=user, unit_path=official_unit_path(user))


@transaction.atomic
def second_factor_reset(*, actor, user) -> None:
    """For an official who lost their phone and codes: devices removed; they set up a new one at next sign-in."""
    _require_manage_of(actor, user)
    removed = twofactor.remove_all(user)
    audit_record(
        actor=actor,
        action="official.second_factor_reset",
        target=user,
        unit_path=official_unit_path(user),
        after={"devices_removed": removed},
    )


def _set_active(*, actor, user, active: bool) -> None:
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="official.reactivate" if active else "official.deactivate",
        target=user,
        unit_path=official_unit_path(user),
        before={"is_active": not active},
        after={"is_active": active},
    )


@transaction.atomic
def official_deactivate(*, actor, user) -> None:
    """The official can no longer sign in, and every open session of theirs ends at its next request.

    Memberships stay (so reactivation restores them, and the history keeps who held which role).
    """
    _require_manage_of(actor, user)
    if as_actor(actor).user_id == user.pk:
        raise ApplicationError(gettext("You cannot deactivate your own account."), code="invalid")
    if not user.is_active:
        return
    AccountLink.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
    _set_active(actor=actor, user=user, active=False)


@transaction.atomic
def official_reactivate(*, actor, user) -> None:
    _require_manage_of(actor, user)
    if not user.is_active:
        _set_active(actor=actor, user=user, active=True)
