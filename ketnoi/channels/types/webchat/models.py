"""What the web chat sends to a visitor: the widget polls these rows (there is no provider to hand them to)."""

from django.db import models
from django.utils import timezone

from ketnoi.core.models import UUIDModel


class WebChatMessage(UUIDModel):
    channel = models.ForeignKey("channels.Channel", on_delete=models.PROTECT, related_name="webchat_messages")
    visitor_id = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=100)
    text = models.TextField(blank=True)
    buttons = models.JSONField(default=list, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "channels"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "idempotency_key"], name="webchat_message_idempotent")
        ]
        indexes = [models.Index(fields=["channel", "visitor_id", "created_at"])]

    def __str__(self) -> str:
        return f"to {self.visitor_id}: {self.text[:40]}"
