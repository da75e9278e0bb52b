"""The citizen's conversation: one persisted state machine per person and channel, its append-only log of steps,
and one-time codes that prove a phone number.

The state is "<flow>.<step>" (or "menu" when idle); the transitions each flow may make are declared by the flow
(ketnoi.conversations.registry) and checked by the engine. Writes go through ketnoi.conversations.services and the
engine only.
"""

from django.db import models
from django.utils import timezone

from ketnoi.core.models import UUIDModel

IDLE = "menu"


class ConversationSession(UUIDModel):
    """Where the conversation with one person on one channel stands. `context` holds a few small values of the
    current flow (a dossier's uuid, a half-typed address); it is cleared when the flow ends."""

    channel_contact = models.OneToOneField(
        "contacts.ChannelContact", on_delete=models.CASCADE, related_name="conversation"
    )
    state = models.CharField(max_length=60, default=IDLE)
    context = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8, default="vi")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="After this, the next input starts over.")
    turns = models.PositiveIntegerField(default=0)
    last_event_key = models.CharField(
        max_length=120, blank=True, help_text="The last event answered: a reprocessed one is not answered again."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.channel_contact_id} @ {self.state}"

    @property
    def flow_name(self) -> str:
        return "" if self.state == IDLE else self.state.split(".", 1)[0]

    @property
    def step(self) -> str:
        return "" if self.state == IDLE else self.state.split(".", 1)[-1]


class ConversationStep(models.Model):
    """One input and the move it caused: the append-only history of a session. The input is kept redacted
    (phone and ID numbers masked; codes typed for verification never stored)."""

    session = models.ForeignKey(ConversationSession, on_delete=models.CASCADE, related_name="steps")
    event_key = models.CharField(max_length=120, help_text="The inbound event's dedup key.")
    input_kind = models.CharField(max_length=20)
    input_excerpt = models.CharField(max_length=200, blank=True)
    from_state = models.CharField(max_length=60)
    to_state = models.CharField(max_length=60)
    replies = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=120, blank=True, help_text="e.g. timeout, escape, unknown, handoff.")
    created_at = models.DateTimeField(default=timezone.now)

    APPEND_ONLY = True  # save() below refuses updates only (ketnoi.core.prepared.insert may write new rows)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "event_key"], name="conversation_step_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.from_state} -> {self.to_state} ({self.input_kind})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Conversation history is append-only.")
        super().save(*args, **kwargs)


class PhoneVerification(models.Model):
    """A one-time code sent to a phone number the person typed (or shared through the form): only its keyed hash
    is stored; it expires and allows a few attempts."""

    channel_contact = models.ForeignKey(
        "contacts.ChannelContact", on_delete=models.CASCADE, related_name="phone_verifications"
    )
    phone = models.CharField(max_length=16, help_text="E.164.")
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["channel_contact", "created_at"])]

    def __str__(self) -> str:
        return f"{self.channel_contact_id} {self.created_at:%Y-%m-%d %H:%M}"
