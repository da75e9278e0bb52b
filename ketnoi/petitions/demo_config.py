"""The demo province's petition set-up: categories (with the national deadlines, one category shorter), routing
rules to the departments, the provincial monitor and the business association's login. Idempotent."""

from django.contrib.auth import get_user_model

from ketnoi.orgs.demo import DEMO_PASSWORD
from ketnoi.orgs.models import AdministrativeUnit, Agency
from ketnoi.orgs.roles import Role
from ketnoi.orgs.services import membership_grant, official_create

from .models import Audience, PetitionCategory
from .services import category_save, routing_rule_save

# code, name, English name, audience, competent department (None: the area's public service centre), answer days
CATEGORIES = [
    ("ha-tang", "Hạ tầng, giao thông, chiếu sáng", "Roads, lighting and infrastructure", Audience.CITIZEN, None, 15),
    ("moi-truong", "Môi trường, rác thải, tiếng ồn", "Environment, waste and noise", Audience.BOTH, "H90.23", 15),
    ("xay-dung", "Xây dựng, trật tự đô thị", "Building and urban order", Audience.BOTH, "H90.19", 15),
    ("ho-tich", "Hộ tịch, chứng thực", "Civil status and certification", Audience.CITIZEN, "H90.12", 10),
    ("y-te", "Y tế, an toàn thực phẩm", "Health and food safety", Audience.BOTH, "H90.21", 15),
    ("thu-tuc", "Thủ tục hành chính", "Administrative procedures", Audience.BOTH, None, 15),
    ("doanh-nghiep", "Khó khăn, vướng mắc của doanh nghiệp", "Business difficulties", Audience.BUSINESS, "H90.100", 15),
]

OFFICIALS = [
    ("giamsat.tinh", "Lương Thị Minh Nguyệt", Role.LEADER, "90", None),
    ("lanhdao.tuphap", "Cao Văn Khải", Role.LEADER, "90", "H90.12"),
    ("hiephoi.doanhnghiep", "Tạ Quang Vinh", Role.BUSINESS_ASSOCIATION, "90", None),
]


def seed_config() -> dict[str, PetitionCategory]:
    province = AdministrativeUnit.objects.get(code="90", valid_to__isnull=True)
    categories = {}
    for position, (code, name, name_en, audience, agency_code, answer_days) in enumerate(CATEGORIES):
        category = PetitionCategory.objects.filter(unit=province, code=code).first() or category_save(
            actor=None,
            unit=province,
            code=code,
            name=name,
            name_en=name_en,
            audience=audience,
            answer_days=answer_days,
            position=position,
        )
        categories[code] = category
        if agency_code:
            routing_rule_save(actor=None, unit=province, category=category, agency=Agency.objects.get(code=agency_code))
    return categories


def seed_officials() -> None:
    User = get_user_model()
    for username, full_name, role, unit_code, agency_code in OFFICIALS:
        unit = AdministrativeUnit.objects.get(code=unit_code, valid_to__isnull=True)
        agency = Agency.objects.get(code=agency_code) if agency_code else None
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
            )
        else:
            membership_grant(actor=None, user=user, unit=unit, role=role, agency=agency)
