"""TOTP devices and recovery codes, kept by django-otp (its TOTPDevice and StaticDevice models).

django-otp is the maintained Django library for one-time passwords: it stores the device, checks codes with the
RFC 6238 drift window, refuses a code used twice, throttles guessing, and marks the session as verified
(`request.user.is_verified()`), which is all the console gate needs. An official has at most one confirmed TOTP
device and one set of recovery codes; a recovery code works once.
"""

import segno
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from django.conf import settings

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def provisioning_uri(device: TOTPDevice) -> str:
    """otpauth:// URI for an authenticator app; the issuer is the province's console."""
    return device.config_url


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(provisioning_uri(device), error="m").svg_inline(scale=4, dark="#111", light="#fff")


def secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32, grouped by four, for apps where the camera cannot be used."""
    import base64

    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def check_code(user, code: str):
    """The device (TOTP or recovery codes) that accepts this code, or None. A recovery code is used up."""
    code = "".join(code.split())
    if not code:
        return None
    return match_token(user, code)


def recovery_codes_count(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def new_recovery_codes(user) -> list[str]:
    """Replace the official's recovery codes with a fresh set (shown once; only django-otp's copy is kept)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def remove_all(user) -> int:
    count = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        count += 1
    return count


def issuer() -> str:
    return getattr(settings, "OTP_TOTP_ISSUER", "ketnoi")
