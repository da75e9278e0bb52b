"""The second factor in tests: codes computed from an official's own authenticator device, as their phone would."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def device_of(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def code_for(device: TOTPDevice) -> str:
    """The app's current code; if that time step was already used (a second sign-in within 30 s), the next one,
    which the device accepts within its one-step tolerance."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def code_for_key(key_hex: str, *, at: float | None = None) -> str:
    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def mark_verified(client, user) -> None:
    """After client.force_login: the session as a sign-in with the second factor leaves it."""
    device = device_of(user)
    if device is None:
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
