"""Demo data for the chat (`make run`): one citizen whose dossiers let a tester try every flow on /sandbox/.

Create a sandbox user with the phone DEMO_PHONE (0912 000 111) and follow the Phường Đông Hòa OA. Then: "my
dossiers" (share the phone, type the code the sandbox shows), or type a code below and the last digits 0111.
- CHAT-DEMO-1 awaiting supplement: send a photo or a PDF;
- CHAT-DEMO-2 result ready: result by post, or authorize someone;
- CHAT-DEMO-3 result returned, not rated: rate the service;
- CHAT-DEMO-4 in processing: a plain status.
Idempotent (each dossier carries its CHAT-DEMO-n alias); past events message nobody.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from ketnoi.dossiers import services
from ketnoi.dossiers.models import AliasKind, DossierAlias
from ketnoi.dossiers.notifications import notices_silenced
from ketnoi.orgs.models import Agency, Desk
from ketnoi.procedures.models import Procedure

DEMO_PHONE = "0912 000 111"
DEMO_NAME = "Phạm Thị Lan"
PLAN = (
    ("CHAT-DEMO-1", "1.001193", "supplement"),
    ("CHAT-DEMO-2", "1.001193", "ready"),
    ("CHAT-DEMO-3", "1.001193", "returned"),
    ("CHAT-DEMO-4", "1.001712", "processing"),
)


def _make(alias: str, procedure: Procedure, target: str, agency: Agency, desk: Desk, desk_officer, processor) -> str:
    dossier = services.dossier_receive(
        actor=desk_officer,
        procedure=procedure,
        receiving_agency=agency,
        desk=desk,
        applicant_name=DEMO_NAME,
        applicant_phone=DEMO_PHONE,
        applicant_address="25 Lê Lợi, Tổ dân phố 2, Phường Đông Hòa, tỉnh Bình Sơn",
        summary=f"Đề nghị: {procedure.name[:120]}",
    )
    DossierAlias.objects.create(dossier=dossier, code=alias, kind=AliasKind.OTHER_CODE)
    dossier = services.dossier_transition(actor=processor, dossier=dossier, to_state="processing")
    if target == "supplement":
        services.dossier_request_supplement(
            actor=processor, dossier=dossier, missing=["Giấy chứng sinh (bản chính)", "Bản sao CCCD của người mẹ"]
        )
    elif target in ("ready", "returned"):
        dossier = services.dossier_result_ready(actor=processor, dossier=dossier)
        if target == "returned":
            services.dossier_return_result(actor=desk_officer, dossier=dossier)
    return dossier.receipt_code


def seed(stdout=None) -> None:
    agency = Agency.objects.filter(code="H90.90001").first()
    procedures = {p.code: p for p in Procedure.objects.filter(code__in={code for _a, code, _t in PLAN})}
    if agency is None or len(procedures) < 2:
        if stdout is not None:
            stdout.write("Conversations: no demo agency or procedures, skipped.")
        return
    users = get_user_model().objects
    desk_officer, processor = users.get(username="tiepnhan.donghoa"), users.get(username="xuly.donghoa")
    desk = Desk.objects.get(agency=agency, code="Q01")
    existing = dict(
        DossierAlias.objects.filter(code__startswith="CHAT-DEMO-").values_list("code", "dossier__receipt_code")
    )
    made = []
    with notices_silenced(), transaction.atomic():
        for alias, code, target in PLAN:
            if alias not in existing:
                existing[alias] = _make(alias, procedures[code], target, agency, desk, desk_officer, processor)
                made.append(alias)
    if stdout is not None:
        codes = ", ".join(f"{alias} = {existing[alias]}" for alias, _c, _t in PLAN)
        stdout.write(f"Conversations: demo citizen {DEMO_NAME}, phone {DEMO_PHONE} ({len(made)} new dossiers): {codes}")
