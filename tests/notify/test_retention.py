"""The notifications API's records leave with the retention job: notifications past RETENTION_NOTIFICATIONS_DAYS
(their text and recipient), callbacks delivered or given up past RETENTION_NOTIFY_CALLBACKS_DAYS; a callback still
to send stays whatever its age."""

from datetime import timedelta

from django.utils import timezone

from ketnoi.notify.models import ApiKey, Callback, Notification
from ketnoi.notify.services import Request, notification_send
from ketnoi.ops.retention import prune_retained

from .conftest import VALUES, make_service


def test_old_notifications_and_finished_callbacks_go(world, gateway):
    service, template, _keys = make_service(
        world, channels=[], gateway_url=gateway.url, callback_url="http://127.0.0.1:9/"
    )
    key = ApiKey.objects.get(service=service, kind="test")
    old, _ = notification_send(api_key=key, request=Request(template_id=str(template.uuid), phone="0987000001",
                                                           personalisation=VALUES, reference="old"))  # fmt: skip
    notification_send(api_key=key, request=Request(template_id=str(template.uuid), phone="0987000002",
                                                   personalisation=VALUES, reference="young"))  # fmt: skip
    long_ago = timezone.now() - timedelta(days=500)
    Notification.objects.filter(pk=old.pk).update(created_at=long_ago)
    Callback.objects.update(created_at=long_ago)
    pending = Callback.objects.order_by("pk").first()
    Callback.objects.filter(pk=pending.pk).update(status="pending")
    Callback.objects.exclude(pk=pending.pk).update(status="sent")
    run = prune_retained()
    assert list(Notification.objects.values_list("reference", flat=True)) == ["young"]
    assert list(Callback.objects.values_list("pk", flat=True)) == [pending.pk]
    assert (run.removed["notifications"], run.removed["notify_callbacks"]) == (1, 1)
