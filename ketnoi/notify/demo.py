"""Demo sending service for `make run`: Phường Đông Hòa's water supplier sends bills through the province's OAs,
with a template (Zalo text, ZBS mapping, SMS text) and a test key printed once, so the quick start in docs/notify.md
can be tried at once. Idempotent."""

from ketnoi.channels.models import Channel
from ketnoi.orgs.models import Agency

from .models import SendingService
from .services import api_key_create, service_save, template_save

NAME = "Hóa đơn tiền nước Đông Hòa (demo)"


def seed(stdout=None) -> None:
    agency = Agency.objects.filter(code="H90.90001").select_related("unit").first()
    if agency is None or SendingService.objects.filter(name=NAME).exists():
        return
    ancestors = [int(part) for part in agency.unit.path.strip("/").split("/") if part]
    oas = list(Channel.objects.filter(type_code="zalo", is_active=True, unit_id__in=ancestors))
    sms = Channel.objects.filter(type_code="sms", is_active=True, unit_id__in=ancestors).first()
    service = service_save(actor=None, agency=agency, name=NAME, channels=oas, sms_channel=sms, daily_limit=1000,
                           member_phones=["0912000001"])  # fmt: skip
    template = template_save(
        actor=None,
        service=service,
        name="Hóa đơn tiền nước",
        text="Kính gửi ((ten)), hóa đơn tiền nước tháng ((thang)) của quý khách là ((so_tien)) đồng. "
        "Xin thanh toán trước ngày ((han)).",
        zbs_template_id="demo-hoa-don",
        zbs_params={"ten_khach_hang": "((ten))", "thang": "((thang))", "so_tien": "((so_tien))", "han": "((han))"},
        sms_text="Hoa don tien nuoc thang ((thang)) cua ((ten)): ((so_tien)) dong, han ((han)).",
    )
    _key, secret = api_key_create(actor=None, service=service, name="Demo (test)", kind="test")
    if stdout is not None:
        stdout.write(f"Notifications API demo: template {template.uuid}, test key {secret} (shown once)")
