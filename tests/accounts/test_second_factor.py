"""Two-step sign-in: required for administrators and leaders, optional for others, recovery codes, no bypass."""

import datetime as dt
import time

import pytest
import time_machine
from django_otp.plugins.otp_totp.models import TOTPDevice

from django.test import Client
from django.urls import reverse

from ketnoi.accounts import twofactor
from ketnoi.core.models import AuditEntry
from tests.otp import code_for, code_for_key

LOGIN = reverse("console:login")


def sign_in_with_password(client, username, password):
    response = client.post(LOGIN, {"username": username, "password": password})
    assert response.status_code == 302, "the password step itself succeeds"
    return client


@pytest.mark.parametrize("who", ["admin", "unit_admin_a", "leader_a"])
def test_administrators_and_leaders_without_a_second_factor_cannot_reach_the_console(world, who):
    user = getattr(world, who)
    TOTPDevice.objects.filter(user=user).delete()
    client = sign_in_with_password(Client(), user.username, world.password)
    for url in ("/console/", reverse("console:unit_list"), reverse("console:official_list"), "/django-admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("console:two_factor_setup")), url


@pytest.mark.parametrize("who", ["admin", "leader_a"])
def test_with_a_device_the_password_alone_is_not_enough(world, who):
    user = getattr(world, who)
    client = sign_in_with_password(Client(), user.username, world.password)
    response = client.get(reverse("console:unit_list"))
    assert response["Location"].startswith(reverse("console:login_verify"))
    # the set-up page cannot be used to replace the factor without the current one
    assert client.get(reverse("console:two_factor_setup"))["Location"] == reverse("console:login_verify")
    assert client.post(reverse("console:login_verify"), {"code": "000000"}).status_code == 200
    assert client.get("/console/").status_code == 302
    device = TOTPDevice.objects.get(user=user)
    # a wrong code makes the device wait (1 s, doubling): the right one a moment later is accepted
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2), tick=True):
        response = client.post(reverse("console:login_verify"), {"code": code_for(device), "next": "/console/units/"})
        assert response["Location"] == "/console/units/"
        assert client.get("/console/").status_code == 200


def test_a_desk_officer_may_work_without_a_second_factor(world):
    client = sign_in_with_password(Client(), world.desk_a.username, world.password)
    assert client.get("/console/").status_code == 200


def test_a_leader_sets_up_the_app_and_gets_recovery_codes_that_work_once(world):
    leader = world.leader_a
    TOTPDevice.objects.filter(user=leader).delete()
    client = sign_in_with_password(Client(), leader.username, world.password)
    page = client.get(reverse("console:two_factor_setup"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    pending = twofactor.pending_totp(leader)
    wrong = client.post(reverse("console:two_factor_setup"), {"code": "123456"})
    assert wrong.status_code == 200 and not twofactor.has_second_factor(leader)
    done = client.post(reverse("console:two_factor_setup"), {"code": code_for_key(pending.key)})
    codes = done.context["codes"]
    assert len(codes) == 10 and twofactor.has_second_factor(leader)
    assert client.get("/console/").status_code == 200  # this session used the factor
    assert AuditEntry.objects.filter(action="official.second_factor_on", target_id=str(leader.pk)).exists()

    other = sign_in_with_password(Client(), leader.username, world.password)
    assert other.post(reverse("console:login_verify"), {"code": codes[0]})["Location"] == reverse("console:home")
    again = sign_in_with_password(Client(), leader.username, world.password)
    assert again.post(reverse("console:login_verify"), {"code": codes[0]}).status_code == 200  # used up
    assert again.get("/console/").status_code == 302


def test_the_same_code_does_not_sign_in_twice(world):
    device = TOTPDevice.objects.get(user=world.admin)
    code = code_for(device)
    first = sign_in_with_password(Client(), "admin", world.password)
    assert first.post(reverse("console:login_verify"), {"code": code}).status_code == 302
    second = sign_in_with_password(Client(), "admin", world.password)
    assert second.post(reverse("console:login_verify"), {"code": code}).status_code == 200


def test_an_administrator_resets_a_lost_second_factor_and_it_is_audited(world, client):
    client.force_login(world.unit_admin_a)
    membership = world.leader_a.memberships.first()
    response = client.post(reverse("console:official_act", kwargs={"uuid": membership.uuid, "action": "reset_2fa"}))
    assert response.status_code == 302
    assert not twofactor.has_second_factor(world.leader_a)
    assert AuditEntry.objects.filter(action="official.second_factor_reset", actor=world.unit_admin_a).exists()


def test_an_idle_session_ends(world, client, settings):
    settings.SESSION_IDLE_SECONDS = 60
    client.force_login(world.desk_a)
    assert client.get("/console/").status_code == 200
    session = client.session
    session["ketnoi_last_seen"] = int(time.time()) - 120
    session.save()
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get("/console/").status_code == 302


def test_a_page_polling_by_itself_does_not_keep_the_session(world, client, settings):
    settings.SESSION_IDLE_SECONDS = 300
    client.force_login(world.desk_a)
    assert client.get("/console/").status_code == 200
    session = client.session
    session["ketnoi_last_seen"] = int(time.time()) - 200
    session.save()
    assert client.get("/console/inbox/", HTTP_X_POLL="1").status_code == 200  # polls still answer...
    session = client.session
    assert session["ketnoi_last_seen"] <= int(time.time()) - 200  # ...but are not activity
    assert client.get("/console/").status_code == 200  # a click is
    assert client.session["ketnoi_last_seen"] >= int(time.time()) - 5
