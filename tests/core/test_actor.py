"""The typed actor (#20 item 3): an official, an API client or the system, told apart in one place (core/actor.py)."""

import ast
import dataclasses
from pathlib import Path

import pytest

from django.contrib.auth.models import AnonymousUser

from ketnoi.api.models import ApiClient, hash_token, new_token
from ketnoi.core.actor import SYSTEM, Actor, ActorKind, as_actor
from ketnoi.core.audit import audit_record
from ketnoi.orgs.scoping import NO_SCOPE, scope_of

ROOT = Path(__file__).resolve().parents[2] / "ketnoi"


def _client(unit) -> ApiClient:
    token = new_token()
    return ApiClient.objects.create(name="Một cửa tỉnh", unit=unit, token_hash=hash_token(token), token_hint=token[:8])


def test_an_official_is_labelled_by_name_and_scoped_by_memberships(world):
    actor = as_actor(world.desk_a)
    assert actor.kind == ActorKind.OFFICIAL and actor.is_official and not actor.is_system
    assert actor.user == world.desk_a and actor.user_id == world.desk_a.pk and actor.client is None
    assert actor.label == (world.desk_a.get_full_name() or world.desk_a.get_username())
    assert actor.username == "tiepnhan.donghoa"
    scope = scope_of(actor)
    assert scope == scope_of(world.desk_a) and scope.covers_path(world.commune_a.path)
    assert not scope.covers_path(world.commune_b.path)


def test_an_api_client_acts_on_its_unit_and_is_no_official(world):
    client = _client(world.commune_b)
    actor = as_actor(client)
    assert actor == Actor.api_client(client) and actor.is_api_client and not actor.is_official
    assert actor.user is None and actor.user_id is None and actor.label == "api:Một cửa tỉnh"
    assert actor.username == "system"  # audit rows name officials only, as before
    scope = scope_of(actor)
    assert scope.covers_path(world.commune_b.path) and not scope.covers_path(world.commune_a.path)


def test_none_and_anonymous_visitors_are_the_system(world):
    assert as_actor(None) is SYSTEM and as_actor(AnonymousUser()) is SYSTEM
    assert SYSTEM.is_system and SYSTEM.user is None and SYSTEM.label == "system"
    assert Actor.system("retention job").label == "retention job"
    assert scope_of(None) == NO_SCOPE and scope_of(AnonymousUser()) == NO_SCOPE


def test_an_actor_passes_through_and_cannot_change():
    actor = Actor.system("demo seeder")
    assert as_actor(actor) is actor
    with pytest.raises(dataclasses.FrozenInstanceError):
        actor.label = "someone else"  # type: ignore[misc]


def test_anything_else_is_refused(world):
    with pytest.raises(TypeError):
        as_actor(world.commune_a)
    with pytest.raises(TypeError):
        as_actor("admin")
    with pytest.raises(ValueError):
        Actor.official(type(world.desk_a)(username="unsaved"))


def test_audit_rows_name_the_official_and_nobody_else(world):
    by_official = audit_record(actor=Actor.official(world.desk_a), action="t.one", target=world.commune_a, unit_path="")
    assert by_official.actor == world.desk_a and by_official.actor_label == "tiepnhan.donghoa"
    by_user = audit_record(actor=world.desk_a, action="t.two", target=world.commune_a, unit_path="")
    assert by_user.actor == world.desk_a and by_user.actor_label == "tiepnhan.donghoa"
    client = _client(world.commune_a)
    for who in (None, SYSTEM, client, Actor.api_client(client)):
        entry = audit_record(actor=who, action="t.three", target=world.commune_a, unit_path="")
        assert entry.actor is None and entry.actor_label == "system"


def _probes(source: str, name: str) -> list[str]:
    """`getattr(actor, ...)` / `hasattr(actor, ...)`: guessing who acts by probing attributes."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr"}
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in {"actor", "official"}
        ):
            found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_service_probes_its_actor():
    """Services call as_actor() instead; core/actor.py is the only place that looks at what it was given."""
    probes = [
        probe
        for path in sorted(ROOT.rglob("*.py"))
        if path != ROOT / "core" / "actor.py"
        for probe in _probes(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert probes == []


def test_the_probe_check_finds_a_probe():
    sample = 'def f(actor, official):\n    return getattr(actor, "pk", None) or hasattr(official, "as_scope")\n'
    assert _probes(sample, "sample.py") == [
        "sample.py:2: getattr(actor, 'pk', None)",
        "sample.py:2: hasattr(official, 'as_scope')",
    ]
