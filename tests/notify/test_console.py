"""The console's notifications pages through the Django test client: usage per service and month by channel and
cost (screen and XLSX), only the services in the official's scope, a key shown once, a dead callback sent again."""

import io

import openpyxl
import pytest

from ketnoi.notify.models import ApiKey, Callback, CallbackStatus, Notification, Via
from ketnoi.notify.services import Request, notification_send

from .conftest import MEMBER, VALUES, make_service


@pytest.fixture
def setup(world, gateway):
    return make_service(world, channels=[], gateway_url=gateway.url, callback_url="http://127.0.0.1:9/cb")


def test_usage_counts_only_the_services_in_scope(client, world, setup):
    service, template, _keys = setup
    key = ApiKey.objects.get(service=service, kind="live")
    for i in range(3):
        notification, _ = notification_send(api_key=key, request=Request(template_id=str(template.uuid),
                                            phone=f"098700000{i}", personalisation=VALUES))  # fmt: skip
        Notification.objects.filter(pk=notification.pk).update(via=Via.SMS if i else Via.ZBS, cost=450 if i else 300)
    client.force_login(world.unit_admin_a)
    page = client.get("/console/notify/usage/")
    assert page.status_code == 200
    row = [r for r in page.context["rows"] if r["service"] == service.name]
    assert [(r["zbs"], r["sms"], r["total"], r["cost"]) for r in row] == [(1, 2, 3, 1200)]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/console/notify/usage/?format=xlsx").content)).active
    assert [c.value for c in sheet[3]][2:] == [0, 1, 2, 0, 3, 1200]

    client.force_login(world.desk_b)  # another commune's official without the capability
    assert client.get("/console/notify/usage/").status_code == 403


def test_a_key_is_shown_once_and_a_dead_callback_can_be_sent_again(client, world, setup):
    service, _template, _keys = setup
    client.force_login(world.unit_admin_a)
    page = client.post(f"/console/notify/{service.uuid}/keys/", {"name": "Hệ thống hóa đơn", "kind": "live"})
    secret = page.context["secret"]
    assert secret.startswith("kn_notify_live_") and secret in page.content.decode()
    detail = client.get(f"/console/notify/{service.uuid}/").content.decode()
    assert secret not in detail and secret[:19] in detail
    callback = Callback.objects.create(service=service, event="notification.status", body={}, status="dead",
                                       attempts=10, last_error="HTTP 500")  # fmt: skip
    client.post(f"/console/notify/callbacks/{callback.uuid}/retry/")
    callback.refresh_from_db()
    assert (callback.status, callback.attempts) == (CallbackStatus.PENDING, 0)


def test_the_test_message_from_the_console_sends_nothing(client, world, setup):
    _service, template, _keys = setup
    client.force_login(world.unit_admin_a)
    client.post(f"/console/notify/templates/{template.uuid}/test/",
                {"phone": MEMBER, **{f"v_{k}": v for k, v in VALUES.items()}})  # fmt: skip
    notification = Notification.objects.get()
    assert (notification.key_kind, notification.status, notification.message_id) == ("test", "delivered", None)


def test_the_reports_messaging_indicators_include_the_services(client, world, setup):
    service, template, _keys = setup
    key = ApiKey.objects.get(service=service, kind="live")
    notification, _ = notification_send(api_key=key, request=Request(template_id=str(template.uuid),
                                        phone="0987000001", personalisation=VALUES))  # fmt: skip
    Notification.objects.filter(pk=notification.pk).update(via=Via.ZBS, cost=300)
    client.force_login(world.leader_a)
    page = client.get("/console/reports/")
    assert page.status_code == 200
    assert page.context["tables"]["notify"].rows == [[service.name, 0, 1, 0, 0, 1, 300]]
    assert service.name in page.content.decode()


def test_the_demo_service_is_seeded_once_with_a_template_and_a_test_key(world):
    import io

    from ketnoi.notify import demo
    from ketnoi.notify.models import SendingService

    out = io.StringIO()
    demo.seed(stdout=out)
    demo.seed(stdout=out)
    service = SendingService.objects.get(name=demo.NAME)
    assert service.templates.count() == 1 and service.api_keys.get().kind == "test"
    assert out.getvalue().count("kn_notify_test_") == 1
