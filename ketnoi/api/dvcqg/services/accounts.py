"""DVCQG clients and their credentials: the adapter's username/password (hashed with Django's password hasher),
the sessions it hands out (hashed, a day long), the secret URL key of the bare-array style (hashed), and the
upstream's credentials (encrypted at rest)."""

import datetime as dt
import functools
import secrets

from django.contrib.auth.hashers import check_password, get_hasher, make_password
from django.db import transaction
from django.utils import timezone

from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record
from ketnoi.core.crypto import decrypt_json, encrypt_json
from ketnoi.core.errors import ApplicationError
from ketnoi.core.urls import clean_http_url
from ketnoi.orgs.models import Agency

from ...services import api_client_create
from ..models import DvcqgClient, DvcqgSession, hash_secret

SESSION_HOURS = 24


def _audit(actor, action: str, client: DvcqgClient, after: dict) -> None:
    user = as_actor(actor).user
    audit_record(actor=user, action=action, target=client, unit_path=client.unit.path, after=after)


@transaction.atomic
def dvcqg_client_create(
    *,
    actor,
    name: str,
    receiving_agency: Agency,
    username: str,
    password: str,
    relay_enabled: bool = False,
    upstream_url: str = "",
    upstream_auth_url: str = "",
    upstream_username: str = "",
    upstream_password: str = "",
    upstream_dstcode: str = "",
    agency_map: dict | None = None,
    path_key: str = "",
) -> tuple[DvcqgClient, str]:
    """A client writing within the receiving agency's unit. Returns it and its URL key (shown once)."""
    if DvcqgClient.objects.filter(username=username).exists():
        raise ApplicationError(f"A DVCQG client named '{username}' exists already.", code="duplicate_username")
    if relay_enabled and not upstream_url:
        raise ApplicationError("Relay needs the upstream URL.", code="upstream_required")
    upstream_url, upstream_auth_url = clean_http_url(upstream_url), clean_http_url(upstream_auth_url)
    api_client, _token = api_client_create(actor=actor, name=name, unit=receiving_agency.unit)
    path_key = path_key or secrets.token_urlsafe(24)
    client = DvcqgClient.objects.create(
        api_client=api_client,
        receiving_agency=receiving_agency,
        agency_map=agency_map or {},
        username=username,
        password_hash=make_password(password),
        path_key_hash=hash_secret(path_key),
        path_key_hint=path_key[:6],
        relay_enabled=relay_enabled,
        upstream_url=upstream_url,
        upstream_auth_url=upstream_auth_url,
        upstream_credentials=encrypt_json(
            {"username": upstream_username, "password": upstream_password, "dstcode": upstream_dstcode}
        )
        if upstream_username
        else "",
    )
    _audit(
        actor, "dvcqg_client.create", client, {"username": username, "relay": relay_enabled, "upstream": upstream_url}
    )
    return client, path_key


@transaction.atomic
def dvcqg_client_set_relay(*, actor, client: DvcqgClient, relay_enabled: bool, upstream_url: str = "") -> DvcqgClient:
    client = DvcqgClient.objects.select_for_update().get(pk=client.pk)
    client.upstream_url = clean_http_url(upstream_url) or client.upstream_url
    if relay_enabled and not client.upstream_url:
        raise ApplicationError("Relay needs the upstream URL.", code="upstream_required")
    client.relay_enabled = relay_enabled
    client.save(update_fields=["relay_enabled", "upstream_url"])
    _audit(actor, "dvcqg_client.relay", client, {"relay": relay_enabled, "upstream": client.upstream_url})
    return client


def upstream_credentials(client: DvcqgClient) -> dict:
    return decrypt_json(client.upstream_credentials)


def store_upstream_session(client: DvcqgClient, session: str) -> None:
    """The upstream's own session, cached (encrypted) until it is refused."""
    credentials = upstream_credentials(client)
    credentials["session"] = session
    DvcqgClient.objects.filter(pk=client.pk).update(upstream_credentials=encrypt_json(credentials))


def _unknown_user_hash() -> str:
    """A hash of a random password with the current hasher: checked for unknown user names, so a wrong name costs
    the same hashing as a wrong password (no timing oracle for which names exist)."""
    return _random_password_hash(get_hasher().algorithm)


@functools.cache
def _random_password_hash(algorithm: str) -> str:
    return make_password(secrets.token_urlsafe(16), hasher=algorithm)


def client_for_login(*, username: str, password: str) -> DvcqgClient | None:
    client = DvcqgClient.objects.select_related("api_client").filter(username=username).first() if username else None
    matches = check_password(password, client.password_hash if client is not None else _unknown_user_hash())
    if client is None or not matches or not client.api_client.is_active:
        return None
    return client


def session_open(*, client: DvcqgClient) -> str:
    """A new session for the adapter's authentication (expired ones of the client are dropped)."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    DvcqgSession.objects.filter(client=client, expires_at__lt=now).delete()
    DvcqgSession.objects.create(
        client=client, token_hash=hash_secret(token), expires_at=now + dt.timedelta(hours=SESSION_HOURS)
    )
    return token


def client_for_session(token: str) -> DvcqgClient | None:
    if not token:
        return None
    session = (
        DvcqgSession.objects.select_related("client__api_client__unit", "client__receiving_agency")
        .filter(token_hash=hash_secret(token), expires_at__gt=timezone.now())
        .first()
    )
    if session is None or not session.client.api_client.is_active:
        return None
    return session.client


def client_for_path_key(key: str) -> DvcqgClient | None:
    client = (
        DvcqgClient.objects.select_related("api_client__unit", "receiving_agency")
        .filter(path_key_hash=hash_secret(key))
        .first()
    )
    return client if client is not None and client.api_client.is_active else None
