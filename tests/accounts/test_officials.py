"""Officials' accounts from the console: invitation by one-time link, deactivation, resets, password change."""

import re

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from ketnoi.accounts.models import AccountLink
from ketnoi.core.models import AuditEntry
from ketnoi.orgs.roles import Role

User = get_user_model()


def invite(client, world, **extra):
    data = {
        "full_name": "Ngô Thị Hạnh",
        "username": "hanh.donghoa",
        "email": "hanh@example.gov.vn",
        "role": Role.DESK_OFFICER,
        "unit": world.commune_a.pk,
        "agency": world.agency("H90.90001").pk,
        "desk": "",
        "send_email": "on",
        **extra,
    }
    return client.post(reverse("console:official_invite"), data)


def test_an_invited_official_sets_a_password_with_the_link_once(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.unit_admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, world)
    assert response.status_code == 200
    link = re.search(r'id="invite-link"[^>]*value="([^"]+)"', response.content.decode()).group(1)
    assert link.startswith("http") and "/console/welcome/" in link
    assert mail.outbox and link in mail.outbox[0].body
    user = User.objects.get(username="hanh.donghoa")
    assert not user.has_usable_password()
    assert AccountLink.objects.get(user=user).token_hash not in link  # only a hash is kept

    path = link[link.index("/console/") :]
    guest = Client()
    assert guest.get(path).status_code == 200
    weak = guest.post(path, {"password1": "123", "password2": "123"})
    assert weak.status_code == 200 and not User.objects.get(pk=user.pk).has_usable_password()
    done = guest.post(path, {"password1": "Quay-mot-2026!", "password2": "Quay-mot-2026!"})
    assert done["Location"] == reverse("console:login")
    assert guest.get(path).status_code == 410
    assert (
        guest.post(reverse("console:login"), {"username": "hanh.donghoa", "password": "Quay-mot-2026!"}).status_code
        == 302
    )
    assert guest.get("/console/").status_code == 200
    actions = set(AuditEntry.objects.filter(target_id=str(user.pk)).values_list("action", flat=True))
    assert {"official.create", "official.invite", "official.password_set"} <= actions


def test_a_deactivated_officials_session_ends_at_once(world, client):
    officer = Client()
    officer.force_login(world.desk_a)
    assert officer.get("/console/").status_code == 200
    client.force_login(world.unit_admin_a)
    membership = world.desk_a.memberships.first()
    response = client.post(reverse("console:official_act", kwargs={"uuid": membership.uuid, "action": "deactivate"}))
    assert response.status_code == 302
    answer = officer.get("/console/")
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("console:login"))
    assert officer.get("/console/dossiers/").status_code == 302
    again = Client().post(reverse("console:login"), {"username": world.desk_a.username, "password": world.password})
    assert again.status_code == 200  # refused
    entry = AuditEntry.objects.get(action="official.deactivate")
    assert entry.actor == world.unit_admin_a and entry.after == {"is_active": False}


def test_a_commune_administrator_cannot_deactivate_a_provincial_official(world, client):
    client.force_login(world.unit_admin_a)
    membership = world.editor.memberships.first()
    url = reverse("console:official_act", kwargs={"uuid": membership.uuid, "action": "deactivate"})
    assert client.post(url).status_code == 404
    assert User.objects.get(pk=world.editor.pk).is_active


def test_reset_link_and_password_change_are_audited(world, client):
    client.force_login(world.unit_admin_a)
    membership = world.desk_a.memberships.first()
    page = client.post(reverse("console:official_act", kwargs={"uuid": membership.uuid, "action": "reset_link"}))
    assert page.status_code == 200 and "/console/welcome/" in page.content.decode()
    assert AuditEntry.objects.filter(action="official.reset_link", target_id=str(world.desk_a.pk)).exists()

    officer = Client()
    officer.force_login(world.desk_a)
    response = officer.post(
        reverse("console:account"),
        {
            "action": "password",
            "old_password": world.password,
            "new_password1": "Mat-khau-moi-2026",
            "new_password2": "Mat-khau-moi-2026",
        },
    )
    assert response.status_code == 302
    assert officer.get("/console/").status_code == 200  # the session survives its own password change
    assert AuditEntry.objects.filter(action="official.password_change", actor=world.desk_a).exists()


def test_forgot_password_mails_a_link_without_telling_who_exists(world, client, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.clear()  # the per-client limit counts in the cache
    world.desk_a.email = "tam@example.gov.vn"
    world.desk_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        same = [
            client.post(reverse("console:password_forgot"), {"login": who}).content
            for who in ("tam@example.gov.vn", "nobody")
        ]
    assert all('id="reset-sent"' in page.decode() for page in same)
    assert len(mail.outbox) == 1 and "/console/welcome/" in mail.outbox[0].body


def test_forgot_password_is_limited_per_client(world, client, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.clear()
    world.desk_a.email = "tam@example.gov.vn"
    world.desk_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(8):
            client.post(reverse("console:password_forgot"), {"login": "tam@example.gov.vn"})
    assert len(mail.outbox) == 5
