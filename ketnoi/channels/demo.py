"""Demo data for channels: the province's web chat, so the portal's "Chat with us" works in `make run`.
(The demo Zalo OAs are connected by the sandbox's own setup, ketnoi/sandbox/demo.py.)"""

from ketnoi.orgs.models import AdministrativeUnit

from .models import Channel
from .services import webchat_channel_create

WEBCHAT_NAME = "Hỏi đáp trực tuyến tỉnh Bình Sơn"


def seed(stdout=None) -> None:
    province = AdministrativeUnit.objects.filter(code="90", valid_to__isnull=True).first()
    if province is None or Channel.objects.filter(type_code="webchat", unit=province).exists():
        return
    webchat_channel_create(actor=None, unit=province, name=WEBCHAT_NAME)
