import subprocess
import sys

import pytest

from django.urls import reverse

from ketnoi.core.models import AuditEntry

LOGIN = "/console/login/"


def login(client, username, password):
    """Password, then (for officials who have one) the authenticator code; the answer to the password step."""
    from django.contrib.auth import get_user_model

    from tests.otp import code_for, device_of

    response = client.post(LOGIN, {"username": username, "password": password})
    user = get_user_model().objects.filter(username=username).first()
    device = device_of(user) if user is not None and response.status_code == 302 else None
    if device is not None:
        client.post(reverse("console:login_verify"), {"code": code_for(device)})
    return response


def test_portal_home_names_the_province(world, client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Tỉnh Bình Sơn" in response.content.decode()


def test_console_asks_anonymous_visitors_to_sign_in(client, db):
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    page = client.get(LOGIN)
    assert page.status_code == 200 and 'lang="vi"' in page.content.decode()


@pytest.mark.parametrize(
    ("username", "section", "absent"),
    [
        ("tiepnhan.donghoa", "home-desk", "home-admin"),
        ("xuly.donghoa", "home-processing", "home-admin"),
        ("lanhdao.donghoa", "home-leader", "home-desk"),
        ("bientap.tinh", "home-editor", "home-admin"),
        ("quantri.donghoa", "home-admin", "home-desk"),
        ("admin", "home-admin", "home-editor"),
    ],
)
def test_each_role_lands_on_its_home(world, client, username, section, absent):
    response = login(client, username, world.password)
    assert response.status_code == 302 and response["Location"] == reverse("console:home")
    body = client.get("/console/").content.decode()
    assert f'id="{section}"' in body and f'id="{absent}"' not in body


def test_navigation_follows_the_role(world, client):
    client.force_login(world.desk_a)
    body = client.get("/console/").content.decode()
    assert reverse("console:audit_list") not in body
    assert client.get(reverse("console:audit_list")).status_code == 403
    client.force_login(world.unit_admin_a)
    assert reverse("console:audit_list") in client.get("/console/").content.decode()


def test_repeated_failures_lock_the_login(world, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "tiepnhan.donghoa", "wrong-password")
    response = login(client, "tiepnhan.donghoa", world.password)
    assert response.status_code == 429
    assert "/console/" not in response.get("Location", "")
    # Another official at the same desk is not locked out by someone else's mistakes.
    assert login(client, "xuly.donghoa", world.password).status_code == 302


def test_language_switch_to_english_and_back(world, client):
    client.force_login(world.unit_admin_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    assert 'lang="en"' in client.get("/console/").content.decode()
    client.post("/i18n/setlang/", {"language": "vi", "next": "/console/"})
    assert 'lang="vi"' in client.get("/console/").content.decode()


def test_unit_admin_creates_an_official_through_the_console(world, client):
    client.force_login(world.unit_admin_a)
    form = client.get(reverse("console:official_create")).content.decode()
    assert "Xã Bình An" not in form
    response = client.post(
        reverse("console:official_create"),
        {
            "full_name": "Lý Thị Mới",
            "username": "ly.moi",
            "email": "",
            "password": "Mat-khau-2026!",
            "role": "desk_officer",
            "unit": world.commune_a.pk,
        },
    )
    assert response.status_code == 302
    assert "ly.moi" in client.get(reverse("console:official_list")).content.decode()
    entry = AuditEntry.objects.filter(action="official.create").latest("id")
    audit_page = client.get(reverse("console:audit_detail", args=[entry.pk])).content.decode()
    assert "ly.moi" in audit_page


def test_bad_official_form_keeps_what_was_typed(world, client):
    client.force_login(world.unit_admin_a)
    response = client.post(
        reverse("console:official_create"),
        {
            "full_name": "Lý Thị Mới",
            "username": "ly.moi",
            "password": "123",
            "role": "desk_officer",
            "unit": world.commune_a.pk,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'value="Lý Thị Mới"' in body and "errorlist" in body


def _check(env_extra):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.production", **env_extra}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_production_settings_refuse_unsafe_configuration():
    good_key = "k" * 20 + "-Zx8#q!Lm2@vR7$tN4%wP6^yB1&" + "s9*"
    good = {"SECRET_KEY": good_key, "FIELD_ENCRYPTION_KEY": "f" * 40, "CACHE_URL": "redis://127.0.0.1:6379/9"}
    assert _check({**good, "ALLOWED_HOSTS": "ketnoi.example.gov.vn"}).returncode == 0
    debug = _check({**good, "DEBUG": "1"})
    assert debug.returncode != 0 and "DEBUG must be off" in debug.stderr
    default_key = _check({})
    assert default_key.returncode != 0 and "SECRET_KEY" in default_key.stderr


def test_django_admin_is_for_system_administrators_only(world, client):
    client.force_login(world.unit_admin_a)
    assert client.get("/django-admin/").status_code == 302
    client.force_login(world.admin)
    assert client.get("/django-admin/orgs/administrativeunit/").status_code == 200


def test_desk_home_leads_to_intake_and_the_desk_poster(world, client):
    client.force_login(world.desk_a)
    body = client.get("/console/").content.decode()
    assert reverse("console:dossier_intake") in body
    desk = world.desk_a.memberships.get().desk
    assert reverse("console:desk_poster", args=[desk.uuid]) in body
    assert 'id="home-dossiers"' in body


def test_an_english_browser_still_gets_vietnamese_until_the_visitor_chooses(world, client):
    assert 'lang="vi"' in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert 'lang="en"' in client.get("/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
