"""The demo province: fictional, realistic, and safe to seed again (every step looks up before it creates)."""

import datetime as dt

from django.contrib.auth import get_user_model

from .models import AdministrativeUnit, Agency, AgencyKind, Desk, UnitKind
from .roles import Role
from .services import agency_create, desk_create, membership_grant, official_create, unit_create, unit_reorganize

DEMO_PASSWORD = "ketnoi-demo-2026"  # noqa: S105  (printed for testers; demo data only)
REFORM_DAY = dt.date(2025, 7, 1)
SOURCE = "Nghị quyết sắp xếp ĐVHC (demo)"

PROVINCE = ("90", "Tỉnh Bình Sơn")
COMMUNES = [
    ("90001", UnitKind.WARD, "Phường Đông Hòa", "Tổ dân phố"),
    ("90004", UnitKind.WARD, "Phường Tây Sơn", "Tổ dân phố"),
    ("90010", UnitKind.COMMUNE, "Xã Hòa Lạc", "Thôn"),
    ("90013", UnitKind.SPECIAL_ZONE, "Đặc khu Cồn Xanh", "Khu phố"),
]
MERGED_COMMUNE = ("90007", UnitKind.COMMUNE, "Xã Bình An", "Thôn")
FORMER_COMMUNES = [("90007", "Xã An Phú"), ("90008", "Xã An Lạc")]
GROUP_NAMES = {"Tổ dân phố": ["1", "2", "3"], "Thôn": ["Đông", "Tây", "Trung"], "Khu phố": ["1", "2"]}

DEPARTMENTS = [
    ("H90.12", "Sở Tư pháp", "STP"),
    ("H90.19", "Sở Xây dựng", "SXD"),
    ("H90.21", "Sở Y tế", "SYT"),
    ("H90.23", "Sở Nông nghiệp và Môi trường", "SNNMT"),
]

OFFICIALS = [
    # username, full name, role, unit code, agency code, desk code
    ("admin", "Nguyễn Văn Quản", Role.SYSTEM_ADMIN, "90", None, None),
    ("quantri.donghoa", "Trần Thị Lan", Role.UNIT_ADMIN, "90001", None, None),
    ("tiepnhan.donghoa", "Lê Minh Tâm", Role.DESK_OFFICER, "90001", "H90.90001", "Q01"),
    ("xuly.donghoa", "Phạm Thu Hà", Role.PROCESSING_OFFICER, "90001", "H90.90001", None),
    ("lanhdao.donghoa", "Hoàng Đức Thắng", Role.LEADER, "90001", None, None),
    ("bientap.tinh", "Vũ Ngọc Mai", Role.COMMS_EDITOR, "90", None, None),
    ("tiepnhan.tinh", "Đặng Quốc Bảo", Role.DESK_OFFICER, "90", "H90.100", "Q01"),
    ("xuly.tuphap", "Bùi Thanh Hương", Role.PROCESSING_OFFICER, "90", "H90.12", None),
    ("tiepnhan.binhan", "Đỗ Văn Hùng", Role.DESK_OFFICER, "90007", "H90.90007", "Q01"),
]


def _unit(code: str, **kwargs) -> AdministrativeUnit:
    existing = AdministrativeUnit.objects.filter(code=code, valid_to__isnull=True).first()
    return existing or unit_create(actor=None, code=code, **kwargs)


def _groups(commune: AdministrativeUnit, word: str) -> None:
    kind = UnitKind.RESIDENTIAL_GROUP if word in ("Tổ dân phố", "Khu phố") else UnitKind.VILLAGE
    for suffix in GROUP_NAMES[word]:
        name = f"{word} {suffix}"
        if not commune.children.filter(name=name).exists():
            unit_create(actor=None, kind=kind, name=name, parent=commune, valid_from=REFORM_DAY)


def _agency(code: str, **kwargs) -> Agency:
    return Agency.objects.filter(code=code).first() or agency_create(actor=None, code=code, **kwargs)


def _desk(agency: Agency, code: str, name: str) -> Desk:
    return Desk.objects.filter(agency=agency, code=code).first() or desk_create(
        actor=None, agency=agency, code=code, name=name
    )


def seed(stdout=None) -> list[tuple[str, str, str]]:
    province = _unit(PROVINCE[0], kind=UnitKind.PROVINCE, name=PROVINCE[1], valid_from=REFORM_DAY, source=SOURCE)
    communes = {}
    for code, kind, name, word in COMMUNES:
        communes[code] = _unit(code, kind=kind, name=name, parent=province, valid_from=REFORM_DAY, source=SOURCE)
        _groups(communes[code], word)

    code, kind, name, word = MERGED_COMMUNE
    merged = AdministrativeUnit.objects.filter(code=code, valid_to__isnull=True).first()
    if merged is None:
        # Two former communes merged on 1 July 2025: their rows stay, with history, for old dossiers and statistics.
        former = [
            unit_create(
                actor=None, code=c, kind=UnitKind.COMMUNE, name=n, parent=province, valid_from=dt.date(2008, 1, 1)
            )
            for c, n in FORMER_COMMUNES
        ]
        merged = unit_reorganize(
            actor=None, predecessors=former, kind=kind, name=name, code=code, effective=REFORM_DAY, source=SOURCE
        )
    communes[code] = merged
    _groups(merged, word)

    centre = _agency(
        "H90.100",
        name="Trung tâm Phục vụ hành chính công tỉnh Bình Sơn",
        short_name="TTPVHCC tỉnh",
        kind=AgencyKind.PROVINCIAL_SERVICE_CENTRE,
        unit=province,
        address="01 Quảng trường Trung tâm, Phường Đông Hòa",
        hotline="02991234567",
    )
    for desk_code in ("Q01", "Q02", "Q03"):
        _desk(centre, desk_code, f"Quầy {desk_code[1:]}")
    for code, name, short in DEPARTMENTS:
        _agency(code, name=name, short_name=short, kind=AgencyKind.DEPARTMENT, unit=province)
    for code, unit in communes.items():
        commune_centre = _agency(
            f"H90.{code}",
            name=f"Trung tâm Phục vụ hành chính công {unit.name[0].lower()}{unit.name[1:]}",
            short_name=f"TTPVHCC {unit.name}",
            kind=AgencyKind.COMMUNE_SERVICE_CENTRE,
            unit=unit,
        )
        _desk(commune_centre, "Q01", "Quầy 1")
        _agency(
            f"UB.{code}",
            name=f"UBND {unit.name}",
            short_name=f"UBND {unit.name}",
            kind=AgencyKind.PEOPLES_COMMITTEE,
            unit=unit,
        )

    logins = []
    User = get_user_model()
    for username, full_name, role, unit_code, agency_code, desk_code in OFFICIALS:
        unit = AdministrativeUnit.objects.get(code=unit_code, valid_to__isnull=True)
        agency = Agency.objects.get(code=agency_code) if agency_code else None
        desk = Desk.objects.get(agency=agency, code=desk_code) if desk_code else None
        user = User.objects.filter(username=username).first()
        if user is None:
            official_create(
                actor=None,
                username=username,
                full_name=full_name,
                password=DEMO_PASSWORD,
                unit=unit,
                role=role,
                agency=agency,
                desk=desk,
            )
        else:
            membership_grant(actor=None, user=user, unit=unit, role=role, agency=agency, desk=desk)
        logins.append((username, str(role.label), str(agency or unit)))
    return logins
