"""A broadcast: what is said, to whom (audience fields), its state and history, and where its fan-out stands."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.channels.models import Channel
from ketnoi.core.models import UUIDModel
from ketnoi.core.text import fold
from ketnoi.orgs.models import AdministrativeUnit

from ..states import State
from .audience import CommunityGroup, Topic


class ProviderPath(models.TextChoices):
    """How the message travels; the composer's kind decides it (provider facts: channels/types/zalo/assumptions)."""

    CONSULTATION = "consultation", _("Consultation message (inside the interaction window)")
    TEMPLATE = "template", _("Template message by phone (ZBS)")
    ARTICLE = "article", _("Article broadcast (where the OA is configured for it)")


class BroadcastTemplate(UUIDModel):
    """Reusable wording. A pre-approved template is the emergency fast path: approved once by a leader, it may be
    sent as an alert without a second approval."""

    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="broadcast_templates")
    name = models.CharField(max_length=150)
    topic = models.CharField(max_length=12, choices=Topic.choices, default=Topic.NEWS)
    text = models.TextField()
    text_en = models.TextField(blank=True)
    image_url = models.URLField(blank=True)
    buttons = models.JSONField(default=list, blank=True)
    pre_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pre_approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_pre_approved(self) -> bool:
        return self.pre_approved_at is not None


class Broadcast(UUIDModel):
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="broadcasts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    topic = models.CharField(max_length=12, choices=Topic.choices, default=Topic.NEWS)
    path = models.CharField(max_length=14, choices=ProviderPath.choices, default=ProviderPath.CONSULTATION)
    # content
    text = models.TextField()
    text_en = models.TextField(blank=True, help_text=_("Sent to people whose language is English."))
    image_url = models.URLField(blank=True)
    link_url = models.URLField(blank=True)
    link_title = models.CharField(max_length=60, blank=True)
    buttons = models.JSONField(default=list, blank=True, help_text="[{title, action, value}]")
    zbs_template_id = models.CharField(max_length=40, blank=True, help_text=_("For template messages by phone."))
    template = models.ForeignKey(
        BroadcastTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="broadcasts"
    )
    # audience
    channels = models.ManyToManyField(Channel, related_name="broadcasts")
    area = models.ForeignKey(AdministrativeUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    exclude_area = models.ForeignKey(
        AdministrativeUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tags = models.JSONField(default=list, blank=True, help_text="Recipients have at least one of these tags.")
    exclude_tags = models.JSONField(default=list, blank=True)
    subscribers_only = models.BooleanField(
        default=True, help_text=_("Only followers subscribed to the broadcast's topic.")
    )
    is_training = models.BooleanField(default=False, help_text=_("Training mode: only testers receive it."))
    to_group_chats = models.BooleanField(
        default=False,
        help_text=_("One post into each community group's chat instead of one message per follower."),
    )
    community_groups = models.ManyToManyField(
        CommunityGroup, blank=True, related_name="+", help_text=_("Empty: every group chat in the area.")
    )
    # life
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    send_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # fan-out: resumable from the cursor, committed with each batch
    recipients_estimate = models.PositiveIntegerField(default=0)
    fanout_cursor = models.BigIntegerField(default=0, help_text="Last ChannelContact id enqueued.")
    fanout_enqueued = models.PositiveIntegerField(default=0)
    fanout_started_at = models.DateTimeField(null=True, blank=True)
    fanout_finished_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # the archive's search key: title and texts folded (no case, no diacritics), kept by save()
    search_folded = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "send_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.search_folded = fold(" ".join((self.title, self.text, self.text_en)))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"title", "text", "text_en"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_folded"}
        super().save(*args, **kwargs)

    @property
    def source_id(self) -> str:
        return str(self.pk)

    @property
    def is_emergency(self) -> bool:
        return self.topic == Topic.EMERGENCY


class BroadcastTransition(models.Model):
    """Append-only history: one row per state change, with who and why."""

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=12, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '-'} -> {self.to_state}"
