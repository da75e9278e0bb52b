"""Demo dossiers: about 200, in every state, at commune A's desk (Phường Đông Hòa, Q01) and the provincial centre,
taken in over the last weeks and moved through the real services, so history, due dates and at-risk colours are
right. Fictional people. Idempotent: each demo dossier carries the alias DEMO-NNNN and is made once. Past events
do not message anyone (notices_silenced)."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ketnoi.core.workdays import add_working_days, is_working_day
from ketnoi.orgs.models import Agency, Desk
from ketnoi.procedures.models import Procedure

from . import services
from .models import AliasKind, DossierAlias, SubmissionChannel
from .notifications import notices_silenced
from .services.lifecycle import is_at_risk
from .states import State

SEED = 2026
FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Đức", "Quốc", "Thu", "Hoài", "Gia", "Bảo", "Thị Thu"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hiếu",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phúc",
    "Quang",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vy",
    "Yến",
    "Khoa",
    "Nhung",
    "Phương",
    "Thắng",
    "Trung",
    "Hậu",
    "Duyên",
    "Thủy",
    "Hòa",
]
STREETS = [
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Huệ",
    "Hai Bà Trưng",
    "Lý Thường Kiệt",
    "Phan Chu Trinh",
    "Quang Trung",
    "Nguyễn Trãi",
    "Hùng Vương",
    "Bạch Đằng",
]
PLACES = ["Tổ dân phố 1, Phường Đông Hòa", "Tổ dân phố 2, Phường Đông Hòa", "Tổ dân phố 3, Phường Đông Hòa"]
PLACES += ["Thôn Đông, Xã Hòa Lạc", "Tổ dân phố 2, Phường Tây Sơn", "Thôn Trung, Xã Bình An"]
PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "086", "088", "070", "077", "081", "083", "085", "035"]
MISSING = [
    "Bản sao giấy chứng nhận kết hôn của cha mẹ",
    "Giấy chứng sinh (bản chính)",
    "Văn bản ủy quyền có chứng thực",
    "Bản vẽ thiết kế có chữ ký của chủ đầu tư",
    "Tờ khai theo mẫu, có đủ chữ ký",
]
REASONS_REFUSED = ["Hồ sơ không thuộc thẩm quyền giải quyết", "Không đủ điều kiện theo quy định"]
# Target state -> how many at commune A and at the provincial centre.
PLAN: list[tuple[str, int, int]] = [
    (State.SUBMITTED, 7, 3),
    (State.RECEIVED, 17, 8),
    (State.NOT_ACCEPTED, 3, 2),
    (State.PROCESSING, 28, 12),
    (State.SUPPLEMENT_REQUESTED, 10, 5),
    (State.SUPPLEMENTED, 4, 2),
    (State.FINANCIAL_OBLIGATION, 4, 2),
    (State.PAUSED, 3, 1),
    (State.WITHDRAWAL_REQUESTED, 3, 1),
    (State.WITHDRAWN, 3, 2),
    (State.REFUSED, 4, 2),
    (State.RESULT_READY, 17, 8),
    (State.RESULT_RETURNED, 32, 13),
]


class _Demo:
    def __init__(self, now: dt.datetime):
        self.rng = random.Random(SEED)  # noqa: S311  (demo data, not secrets)
        self.now = now
        user = get_user_model().objects.filter
        self.commune = Agency.objects.get(code="H90.90001")
        self.centre = Agency.objects.get(code="H90.100")
        self.desks = {
            self.commune.pk: Desk.objects.get(agency=self.commune, code="Q01"),
            self.centre.pk: Desk.objects.get(agency=self.centre, code="Q01"),
        }
        self.desk_officer = {
            self.commune.pk: user(username="tiepnhan.donghoa").first(),
            self.centre.pk: user(username="tiepnhan.tinh").first(),
        }
        self.processor_a = user(username="xuly.donghoa").first()
        self.processor_justice = user(username="xuly.tuphap").first()
        procedures = list(Procedure.objects.filter(is_active=True).select_related("agency").order_by("code"))
        self.commune_procedures = [p for p in procedures if p.level == "commune"]
        self.province_procedures = [p for p in procedures if p.level == "province"] or procedures

    def person(self) -> dict[str, str]:
        rng = self.rng
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        born = rng.randint(1950, 2005)
        sex = rng.randint(0, 1)
        century = 0 if born < 2000 else 2
        id_number = f"0{rng.randint(1, 96):02d}{century + sex}{born % 100:02d}{rng.randint(0, 999999):06d}"
        return {
            "applicant_name": name,
            "applicant_phone": f"{rng.choice(PREFIXES)}{rng.randint(0, 9999999):07d}",
            "applicant_id_number": id_number,
            "applicant_address": f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {rng.choice(PLACES)}, tỉnh Bình Sơn",
        }

    def received_at(self, target: str) -> dt.datetime:
        """A working-hours moment on a working day: recent for open dossiers, older for finished ones."""
        back = {State.SUBMITTED: 3, State.RECEIVED: 4}.get(target, 30)
        for _ in range(50):
            day = timezone.localdate(self.now) - dt.timedelta(days=self.rng.randint(0, back))
            if not is_working_day(day):
                continue
            moment = timezone.make_aware(
                dt.datetime.combine(day, dt.time(self.rng.randint(7, 16), self.rng.randint(0, 59)))
            )
            if moment < self.now - dt.timedelta(minutes=30):
                return moment
        return self.now - dt.timedelta(hours=2)

    def later(self, moment: dt.datetime) -> dt.datetime:
        """A moment between `moment` and now, so every step of the history is in order and in the past."""
        return moment + (self.now - moment) * self.rng.uniform(0.15, 0.45)

    def processor(self, dossier):
        if dossier.receiving_agency_id == self.commune.pk:
            return self.processor_a
        if dossier.competent_agency and dossier.competent_agency.code == "H90.12":
            return self.processor_justice
        return None  # the demo has no official for this department: the system moves it

    def make(self, number: int, agency: Agency, target: str) -> None:
        rng = self.rng
        procedures = self.commune_procedures if agency == self.commune else self.province_procedures
        procedure = rng.choice(procedures)
        desk_officer = self.desk_officer[agency.pk]
        at = self.received_at(target)
        online = target == State.SUBMITTED or (target == State.NOT_ACCEPTED) or rng.random() < 0.2
        dossier = services.dossier_receive(
            actor=desk_officer,
            procedure=procedure,
            receiving_agency=agency,
            desk=None if online else self.desks[agency.pk],
            channel=SubmissionChannel.ONLINE if online else SubmissionChannel.IN_PERSON,
            summary=f"Đề nghị: {procedure.name[:120]}",
            received_at=at,
            state=State.SUBMITTED if target in (State.SUBMITTED, State.NOT_ACCEPTED) else State.RECEIVED,
            **self.person(),
        )
        DossierAlias.objects.create(dossier=dossier, code=f"DEMO-{number:04d}", kind=AliasKind.OTHER_CODE)
        if target == State.SUBMITTED:
            return
        if target == State.NOT_ACCEPTED:
            services.dossier_transition(
                actor=desk_officer, dossier=dossier, to_state=State.NOT_ACCEPTED, source="desk",
                note="Hồ sơ không đúng thủ tục đăng ký", at=self.later(at),
            )  # fmt: skip
            return
        if target == State.RECEIVED:
            return
        proc = self.processor(dossier)
        at = self.later(at)
        dossier = services.dossier_transition(actor=proc, dossier=dossier, to_state=State.PROCESSING, at=at)
        if procedure.allows_postal_return and rng.random() < 0.12:
            address = f"{rng.randint(1, 99)} {rng.choice(STREETS)}, {rng.choice(PLACES)}, tỉnh Bình Sơn"
            services.dossier_register_postal(actor=None, dossier=dossier, address=address, at=self.later(at))
        if procedure.allows_authorization and rng.random() < 0.1:
            other = self.person()
            services.dossier_authorize_collector(
                actor=None, dossier=dossier, name=other["applicant_name"], id_number=other["applicant_id_number"],
                phone=other["applicant_phone"], at=self.later(at),
            )  # fmt: skip
        self.advance(dossier, target, proc, desk_officer, at)

    def advance(self, dossier, target, proc, desk_officer, at) -> None:
        rng = self.rng
        if target in (State.SUPPLEMENT_REQUESTED, State.SUPPLEMENTED):
            at = self.later(at)
            items = rng.sample(MISSING, rng.randint(1, 2))
            dossier = services.dossier_request_supplement(actor=proc, dossier=dossier, missing=items, at=at)
            if target == State.SUPPLEMENTED:
                services.dossier_supplement_received(actor=desk_officer, dossier=dossier, at=self.later(at))
            return
        simple = {State.FINANCIAL_OBLIGATION: "", State.PAUSED: "Chờ kết quả xác minh của cơ quan liên quan"}
        simple[State.REFUSED] = rng.choice(REASONS_REFUSED)
        if target in simple:
            services.dossier_transition(
                actor=proc, dossier=dossier, to_state=target, note=simple[target], at=self.later(at)
            )
            return
        if target in (State.WITHDRAWAL_REQUESTED, State.WITHDRAWN):
            at = self.later(at)
            services.dossier_transition(
                actor=desk_officer, dossier=dossier, to_state=State.WITHDRAWAL_REQUESTED, source="desk",
                note="Công dân đề nghị rút hồ sơ", at=at,
            )  # fmt: skip
            if target == State.WITHDRAWN:
                services.dossier_transition(
                    actor=desk_officer, dossier=dossier, to_state=State.WITHDRAWN, source="desk", at=self.later(at)
                )
            return
        if target == State.PROCESSING:
            if is_at_risk(dossier, timezone.localdate(self.now)) and rng.random() < 0.35:
                services.dossier_issue_apology(
                    actor=proc, dossier=dossier, reason="cần xác minh thêm thông tin với cơ quan liên quan",
                    new_due_date=add_working_days(max(dossier.due_date, timezone.localdate(self.now)), 3),
                    at=self.now - dt.timedelta(minutes=5),
                )  # fmt: skip
            return
        at = self.later(at)
        dossier = services.dossier_result_ready(actor=proc, dossier=dossier, at=at)
        if target == State.RESULT_RETURNED:
            at = self.later(at)
            dossier = services.dossier_return_result(actor=desk_officer, dossier=dossier, at=at)
            if rng.random() < 0.5:
                if rng.random() < 0.5:
                    services.dossier_rate(dossier=dossier, stars=rng.choice([3, 4, 5, 5, 5]), comment="")
                else:
                    indicators = {str(n): rng.choice([1, 2, 2]) for n in range(1, 10)}
                    services.dossier_rate(dossier=dossier, indicators=indicators)


def seed(stdout=None) -> None:
    if not Procedure.objects.filter(is_active=True).exists():
        if stdout is not None:
            stdout.write("Dossiers: no procedures, skipped (run the procedures seeder first).")
        return
    demo = _Demo(timezone.now())
    existing = set(DossierAlias.objects.filter(code__startswith="DEMO-").values_list("code", flat=True))
    made, number = 0, 0
    with notices_silenced(), transaction.atomic():
        for target, at_commune, at_centre in PLAN:
            for agency, count in ((demo.commune, at_commune), (demo.centre, at_centre)):
                for _ in range(count):
                    number += 1
                    if f"DEMO-{number:04d}" in existing:
                        continue
                    demo.make(number, agency, target)
                    made += 1
    if stdout is not None:
        stdout.write(f"Dossiers: {made} created, {number - made} already there.")
