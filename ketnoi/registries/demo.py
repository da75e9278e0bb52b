"""Demo food-safety registry: three dozen fictional establishments across the demo communes, some with expired or
revoked certificates, loaded through the same import as an uploaded file (so the demo also checks the import).
Fixed dates keep the seed idempotent: re-running it changes nothing."""

import csv
import io
import random

from ketnoi.core.errors import ApplicationError

from .models import RegistryKind
from .services import registry_import

SEED = 909
COMMUNES = {
    "90001": ("Phường Đông Hòa", ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hùng Vương"]),
    "90004": ("Phường Tây Sơn", ["Quang Trung", "Bạch Đằng", "Lý Thường Kiệt"]),
    "90007": ("Xã Bình An", ["Thôn Đông", "Thôn Tây", "Thôn Trung"]),
    "90010": ("Xã Hòa Lạc", ["Thôn Đông", "Thôn Trung"]),
    "90013": ("Đặc khu Cồn Xanh", ["Khu phố 1", "Khu phố 2"]),
}
KINDS = ["Bếp ăn", "Nhà hàng", "Quán phở", "Cơ sở sản xuất bánh", "Cửa hàng thực phẩm", "Cơ sở nước mắm", "Quán cơm"]
NAMES = ["Hòa Bình", "Phúc Lộc", "Bà Tư", "Đức Thành", "Hương Quê", "An Khang", "Thủy Tiên", "Minh Đức", "Sông Hồng"]
ISSUERS = [
    "Sở Y tế tỉnh Bình Sơn",
    "Chi cục An toàn vệ sinh thực phẩm",
    "Sở Nông nghiệp và Môi trường",
    "Sở Công Thương",
]
HEADER = [
    "Tên cơ sở",
    "Địa chỉ",
    "Mã xã",
    "Số giấy chứng nhận",
    "Cơ quan cấp",
    "Ngày cấp",
    "Ngày hết hạn",
    "Trạng thái",
]


def demo_csv() -> bytes:
    rng = random.Random(SEED)  # noqa: S311  (demo data, not secrets)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    number = 0
    for code, (commune, streets) in COMMUNES.items():
        for index in range(8 if code == "90001" else 7):
            number += 1
            name = f"{KINDS[(number * 3) % len(KINDS)]} {NAMES[(number * 5 + index) % len(NAMES)]}"
            address = f"{rng.randint(1, 250)} {streets[index % len(streets)]}, {commune}"
            start_year = rng.choice([2022, 2023, 2024, 2025])
            start = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{start_year}"
            # Three-year certificates: those issued in 2022 and 2023 (before late 2023) have expired.
            end = f"{start[:6]}{start_year + 3}"
            status = "Thu hồi" if number % 17 == 0 else "Còn hiệu lực"
            issuer = ISSUERS[number % len(ISSUERS)]
            writer.writerow([name, address, code, f"{number:03d}/{start_year}/ATTP-CNĐK", issuer, start, end, status])
    return out.getvalue().encode("utf-8")


def seed(stdout=None) -> None:
    report = registry_import(actor=None, kind=RegistryKind.FOOD_SAFETY, file_name="demo-attp.csv", content=demo_csv())
    if not report.ok:
        problems = "; ".join(f"row {e.row} {e.field}: {e.message}" for e in report.errors)
        raise ApplicationError(f"The demo registry file is invalid: {problems}")
    if stdout is not None:
        stdout.write(f"Food-safety registry: {len(report.created)} created, {len(report.updated)} updated.")
