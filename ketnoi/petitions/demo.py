"""Demo petitions: in every state, across the demo agencies (commune centres, the Department of Justice and the
other departments, the provincial centre), from citizens and businesses, some overdue, some published and rated;
plus business policies. Moved through the real services with past dates, without messaging anyone. Idempotent:
each demo petition carries external id DEMO-PAKN-NN and is made once."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ketnoi.orgs.models import AdministrativeUnit, Agency

from . import services
from .demo_config import seed_config, seed_officials
from .models import BusinessPolicy, Petition, PetitionerType, Source
from .notify import notices_silenced
from .services import Location, Origin, Petitioner

SYSTEM = "demo"

# n, days ago, category, commune code, subject, text, petitioner (name, phone), business (name, tax code) or None,
# the path through the states
PETITIONS = [
    (
        1,
        2,
        "ha-tang",
        "90001",
        "Đèn đường hỏng ở Tổ dân phố 2",
        "Đèn đường trước nhà văn hóa Tổ dân phố 2 bị hỏng hơn một tuần, buổi tối rất tối.",
        ("Nguyễn Văn Hải", "0912000101"),
        None,
        "received",
    ),
    (
        2,
        25,
        "ha-tang",
        "90001",
        "Ổ gà lớn trên đường Bạch Đằng",
        "Mặt đường Bạch Đằng đoạn gần chợ có ổ gà lớn, xe máy đã ngã hai lần. Đề nghị sửa sớm.",
        ("Trần Thị Bích", "0912000102"),
        None,
        "received",
    ),  # overdue: nobody decided
    (
        3,
        4,
        "ha-tang",
        "90001",
        "Ổ gà trên đường Bạch Đằng gần chợ",
        "Đường Bạch Đằng gần chợ có ổ gà lớn, xe máy ngã, đề nghị sửa mặt đường.",
        ("Lê Văn Cường", "0912000103"),
        None,
        "merged:2",
    ),
    (
        4,
        6,
        "moi-truong",
        "90001",
        "Rác thải tập kết sai nơi quy định",
        "Rác thải được đổ ở bãi đất trống cuối ngõ, bốc mùi, nhiều ruồi muỗi.",
        ("Phạm Thu Trang", "0912000104"),
        None,
        "accepted",
    ),
    (
        5,
        28,
        "ha-tang",
        "90001",
        "Cống thoát nước bị tắc",
        "Cống thoát nước đầu Tổ dân phố 1 bị tắc, mưa là ngập. Đã báo nhiều lần.",
        ("Hoàng Văn Dũng", "0912000105"),
        None,
        "accepted",
    ),  # overdue answer
    (
        6,
        9,
        "ha-tang",
        "90001",
        "Vỉa hè bị lấn chiếm",
        "Vỉa hè trước chợ bị các hộ kinh doanh lấn chiếm, người đi bộ phải xuống lòng đường.",
        ("Võ Thị Hạnh", "0912000106"),
        None,
        "submitted",
    ),
    (
        7,
        20,
        "ha-tang",
        "90001",
        "Cây xanh có nguy cơ gãy đổ",
        "Cây xà cừ trước trường tiểu học nghiêng nhiều, mùa mưa bão có nguy cơ gãy đổ.",
        ("Đặng Minh Khoa", "0912000107"),
        None,
        "answered:publish:5",
    ),
    (
        8,
        12,
        "thu-tuc",
        "90001",
        "Thời gian chờ ở bộ phận một cửa",
        "Tôi phải chờ rất lâu ở bộ phận một cửa phường vào buổi sáng thứ Hai.",
        ("Bùi Thị Lan", "0912000108"),
        None,
        "answered:publish:2:reopen",
    ),
    (
        9,
        40,
        "ho-tich",
        "90001",
        "Sai sót thông tin trên giấy khai sinh",
        "Giấy khai sinh của con tôi ghi sai tên đệm, đề nghị hướng dẫn thủ tục cải chính.",
        ("Đỗ Quang Huy", "0912000109"),
        None,
        "answered:publish:4:close:late",
    ),
    (
        10,
        7,
        "ho-tich",
        "90001",
        "Thời hạn cấp bản sao trích lục",
        "Thời hạn cấp bản sao trích lục hộ tịch là bao lâu khi nộp trực tuyến?",
        ("Ngô Thị Yến", "0912000110"),
        None,
        "accepted",
    ),
    (
        11,
        12,
        "xay-dung",
        "90004",
        "Công trình xây dựng không che chắn",
        "Công trình nhà ở tại khu phố gây bụi, không có lưới che chắn, làm việc cả buổi tối.",
        ("Dương Văn Sơn", "0912000131"),
        None,
        "answered",
    ),
    (
        12,
        5,
        "y-te",
        "90010",
        "Cơ sở kinh doanh thực phẩm mất vệ sinh",
        "Một cơ sở bán đồ ăn sáng gần trường học có dấu hiệu mất vệ sinh an toàn thực phẩm.",
        ("Lý Thị Hương", "0912000112"),
        None,
        "received",
    ),
    (
        13,
        3,
        "moi-truong",
        "90007",
        "Tiếng ồn từ xưởng gỗ ban đêm",
        "Xưởng gỗ trong thôn hoạt động đến khuya, tiếng ồn lớn ảnh hưởng giấc ngủ.",
        ("Phan Văn Tùng", "0912000113"),
        None,
        "received",
    ),
    (
        14,
        15,
        "ha-tang",
        "90007",
        "Đường liên thôn xuống cấp",
        "Đường liên thôn Đông - Tây xuống cấp nghiêm trọng sau mùa mưa.",
        ("Huỳnh Thị Mai", "0912000114"),
        None,
        "answered:publish:4",
    ),
    (
        15,
        10,
        "thu-tuc",
        "90007",
        "Đề nghị cấp lại sổ đỏ hộ người khác",
        "Tôi muốn được làm thủ tục cấp lại giấy chứng nhận hộ hàng xóm đi vắng.",
        ("Vũ Đức Thịnh", "0912000115"),
        None,
        "refused",
    ),
    (
        16,
        8,
        "thu-tuc",
        "90001",
        "Đất nông nghiệp bị lấn chiếm",
        "Thửa đất nông nghiệp của gia đình bị hộ bên cạnh lấn chiếm, đề nghị giải quyết.",
        ("Trịnh Văn Bảo", "0912000116"),
        None,
        "forwarded",
    ),
    (
        17,
        22,
        "doanh-nghiep",
        "90",
        "Vướng mắc thủ tục thuê đất khu công nghiệp",
        "Doanh nghiệp chúng tôi đã nộp hồ sơ thuê đất tại khu công nghiệp hơn hai tháng nhưng chưa có kết quả.",
        ("Nguyễn Thành Nam", "0912000117"),
        ("Công ty TNHH Cơ khí Bình Sơn", "0100109106"),
        "accepted",
    ),
    (
        18,
        18,
        "doanh-nghiep",
        "90",
        "Hướng dẫn ưu đãi cho doanh nghiệp nhỏ và vừa",
        "Xin hướng dẫn các chính sách hỗ trợ doanh nghiệp nhỏ và vừa năm nay, điều kiện và hồ sơ.",
        ("Lê Thị Thu Hà", "0912000118"),
        ("Công ty CP Nông sản Hòa Lạc", "0301406035"),
        "answered:publish:5",
    ),
    (
        19,
        6,
        "doanh-nghiep",
        "90",
        "Chậm hoàn thuế giá trị gia tăng",
        "Hồ sơ hoàn thuế GTGT của doanh nghiệp đã quá hạn nhưng chưa được giải quyết.",
        ("Phạm Quốc Việt", "0912000119"),
        ("Công ty TNHH Thương mại Tây Sơn", "0100233583"),
        "submitted",
    ),
    (
        20,
        2,
        "xay-dung",
        "90",
        "Giấy phép xây dựng nhà xưởng",
        "Doanh nghiệp cần hướng dẫn thủ tục cấp giấy phép xây dựng nhà xưởng mở rộng.",
        ("Đinh Văn Lực", "0912000120"),
        ("Công ty TNHH Bao bì Cồn Xanh", "0102721191"),
        "received",
    ),
]

POLICIES = [
    (
        "Hỗ trợ lãi suất vay vốn cho doanh nghiệp nhỏ và vừa năm 2026",
        "Doanh nghiệp nhỏ và vừa được hỗ trợ 2%/năm lãi suất vay vốn đầu tư đổi mới công nghệ.",
    ),
    (
        "Rút ngắn thời gian giải quyết thủ tục đầu tư tại khu công nghiệp",
        "Thời gian cấp quyết định chủ trương đầu tư giảm từ 35 xuống 20 ngày làm việc.",
    ),
    (
        "Đối thoại doanh nghiệp quý IV",
        "UBND tỉnh tổ chức hội nghị đối thoại với doanh nghiệp, đăng ký câu hỏi trước trên trang Đồng hành.",
    ),
]


def _users():
    User = get_user_model()
    return {
        u.username: u
        for u in User.objects.filter(
            username__in=["xuly.donghoa", "lanhdao.donghoa", "xuly.tuphap", "lanhdao.tuphap", "giamsat.tinh"]
        )
    }


def _handlers(petition: Petition, users) -> tuple:
    """(officer, approver) for the petition's agency: real officials where the demo has them, else the monitor
    drafts and the system approves (a demo shortcut: the four-eyes rule holds, the drafter never approves)."""
    code = petition.owner_agency.code
    if code in ("H90.90001", "UB.90001"):
        return users["xuly.donghoa"], users["lanhdao.donghoa"]
    if code == "H90.12":
        return users["xuly.tuphap"], users["lanhdao.tuphap"]
    return users["giamsat.tinh"], None


ANSWERS = {
    "ha-tang": "Ủy ban đã giao đơn vị quản lý hạ tầng kiểm tra hiện trường và khắc phục trong tuần. Cảm ơn ông/bà.",
    "moi-truong": "Đơn vị vệ sinh môi trường đã thu gom, xử lý điểm tập kết và lắp biển cấm đổ rác.",
    "xay-dung": "Đoàn kiểm tra đã lập biên bản, yêu cầu chủ công trình che chắn và chỉ thi công trong giờ quy định.",
    "ho-tich": "Ông/bà nộp tờ khai cải chính hộ tịch kèm giấy tờ chứng minh tại bộ phận một cửa; thời hạn 3 ngày làm việc.",
    "thu-tuc": "Bộ phận một cửa đã bố trí thêm một quầy vào sáng thứ Hai và cấp số thứ tự trực tuyến.",
    "doanh-nghiep": "Sở Kế hoạch và Đầu tư hướng dẫn: doanh nghiệp nộp hồ sơ đề nghị hỗ trợ theo mẫu tại Cổng dịch vụ công.",
}


def _walk(petition: Petition, path: str, users, start: dt.datetime, refs: dict) -> None:
    steps = path.split(":")
    first = steps[0]
    officer, approver = _handlers(petition, users)
    at = start + dt.timedelta(hours=20)
    if first == "forwarded":
        services.petition_forward(
            actor=None,
            petition=petition,
            agency=Agency.objects.get(code="H90.23"),
            reason="Tranh chấp đất đai thuộc thẩm quyền của Sở Nông nghiệp và Môi trường.",
            at=at,
        )
        return
    if first == "refused":
        services.petition_refuse(
            actor=None,
            petition=petition,
            reason="Người phản ánh không phải người có quyền, nghĩa vụ liên quan đến thủ tục.",
            at=at,
        )
        return
    if first == "merged":
        services.petition_merge(actor=None, petition=petition, into=refs[int(steps[1])], at=at)
        return
    if first == "received":
        return
    services.petition_accept(actor=None, petition=petition, assignee=officer, at=at)
    if first == "accepted":
        return
    services.answer_submit(
        actor=officer,
        petition=petition,
        text=ANSWERS.get(petition.category.code, ANSWERS["thu-tuc"]),
        publish="publish" in steps,
    )
    if first == "submitted":
        return
    answered_at = start + dt.timedelta(days=20 if "late" in steps else 3)  # "late": past the answer deadline
    services.answer_approve(actor=approver, petition=petition, at=answered_at)
    if "publish" in steps:
        services.petition_publish(actor=None, petition=petition, at=answered_at + dt.timedelta(hours=4))
    rating = next((int(s) for s in steps if s.isdigit()), None)
    if rating:
        services.petition_rate(petition=petition, rating=rating)
    if "reopen" in steps:
        services.petition_reopen(petition=petition, reason="Vẫn phải chờ lâu vào sáng thứ Hai tuần này.")
    if "close" in steps:
        services.petition_close(petition=petition, petitioner=True)


def seed(stdout=None) -> int:
    categories = seed_config()
    seed_officials()
    users = _users()
    made = 0
    refs: dict[int, Petition] = {}
    now = timezone.now()
    with notices_silenced():
        for n, days, category, unit_code, subject, text, person, business, path in PETITIONS:
            external_id = f"DEMO-PAKN-{n:02d}"
            existing = Petition.objects.filter(external_system=SYSTEM, external_id=external_id).first()
            if existing is not None:
                refs[n] = existing
                continue
            with transaction.atomic():
                start = timezone.localtime(now - dt.timedelta(days=days)).replace(hour=9, minute=15)
                petition = services.petition_submit(
                    category=categories[category],
                    area=AdministrativeUnit.objects.get(code=unit_code, valid_to__isnull=True),
                    subject=subject,
                    text=text,
                    petitioner=Petitioner(
                        name=person[0],
                        phone=person[1],
                        type=PetitionerType.BUSINESS if business else PetitionerType.CITIZEN,
                        business_name=business[0] if business else "",
                        tax_code=business[1] if business else "",
                    ),
                    location=Location(text=""),
                    origin=Origin(source=Source.WEB, external_system=SYSTEM, external_id=external_id),
                    received_at=start,
                )
                refs[n] = petition
                _walk(petition, path, users, start, refs)
                made += 1
        # today's reminders and escalations, as the hourly job would fire them (each once)
        services.check_deadlines()
        province = AdministrativeUnit.objects.get(code="90", valid_to__isnull=True)
        for title, summary in POLICIES:
            if not BusinessPolicy.objects.filter(title=title).exists():
                services.policy_save(
                    actor=None, unit=province, title=title, summary=summary, body=summary, publish=True
                )
    if stdout is not None:
        stdout.write(
            f"petitions: {made} demo petitions; more logins: giamsat.tinh (provincial monitor), lanhdao.tuphap "
            "(leader, Department of Justice), hiephoi.doanhnghiep (business association, read-only)\n"
        )
    return made
