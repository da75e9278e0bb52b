"""One-time links that let an official set a password: the invitation of a new official, or a reset.

Only a hash of the token is stored, so a database copy opens no account. A link works once and expires.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.core.models import UUIDModel


class LinkPurpose(models.TextChoices):
    INVITE = "invite", _("Invitation")
    RESET = "reset", _("Password reset")


class AccountLink(UUIDModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_links")
    purpose = models.CharField(max_length=10, choices=LinkPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.user.get_username()}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
