"""Demo second factors: every demo official whose role requires two-step sign-in gets an authenticator device
with one published key, so testers can add it to an app once (or run `manage.py demo_code`). Demo data only."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from django.contrib.auth import get_user_model

from . import twofactor
from .policy import second_factor_required

# 40 hex digits (20 bytes). Base32 for an authenticator app: printed by seed_demo and `manage.py demo_code`.
DEMO_TOTP_KEY = "6b65746e6f692d64656d6f2d7365636f6e642d66"


def demo_secret_base32() -> str:
    import base64

    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


def seed(stdout=None) -> list[str]:
    """A confirmed device with the demo key for each official who needs one and has none (idempotent)."""
    given = []
    for user in get_user_model().objects.filter(is_active=True).order_by("id"):
        if not second_factor_required(user) or twofactor.has_second_factor(user):
            continue
        TOTPDevice.objects.create(user=user, name=twofactor.TOTP_NAME, key=DEMO_TOTP_KEY, confirmed=True)
        given.append(user.get_username())
    if stdout is not None and given:
        stdout.write(
            f"Two-step sign-in for {', '.join(given)}: add the key {demo_secret_base32()} to an authenticator app, "
            "or run `manage.py demo_code` for the current code."
        )
    return given
