"""People who talk to the government, and their identity on each channel."""

from django.db import models
from django.utils import timezone

from ketnoi.channels.models import Channel
from ketnoi.core.models import UUIDModel


class Contact(UUIDModel):
    """One person, possibly reachable on several channels. The phone is set only once verified."""

    name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=16, blank=True, db_index=True, help_text="E.164, verified.")
    language = models.CharField(max_length=8, default="vi")
    created_at = models.DateTimeField(default=timezone.now)
    notice_channel_contact = models.ForeignKey(
        "ChannelContact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The chat the person chose for notices; empty: the one they used last (contacts.selectors).",
    )

    def __str__(self) -> str:
        return self.name or f"contact {self.pk}"


class ChannelContact(UUIDModel):
    """The person as one channel knows them: a Zalo follower of one OA, a web chat visitor..."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="contacts")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="channel_contacts")
    user_id = models.CharField(max_length=64, help_text="The person's id on this channel (Zalo: per OA).")
    app_user_id = models.CharField(max_length=64, blank=True, help_text="App-scoped id (Zalo user_id_by_app).")
    display_name = models.CharField(max_length=150, blank=True)
    is_follower = models.BooleanField(default=False)
    followed_at = models.DateTimeField(null=True, blank=True)
    unfollowed_at = models.DateTimeField(null=True, blank=True)
    follow_source = models.CharField(max_length=120, blank=True)
    shared_phone = models.CharField(max_length=16, blank=True, help_text="E.164, from the share-your-info form.")
    shared_address = models.CharField(max_length=255, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True, help_text="When the person agreed to receive messages.")
    tags = models.JSONField(default=list, blank=True)
    last_interaction_at = models.DateTimeField(null=True, blank=True, help_text="Opens the provider's free window.")
    handoff_hint = models.BooleanField(
        default=False,
        help_text="A hand-off may be active or reopenable: only then does a message look for one (set by the inbox).",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "user_id"], name="channel_contact_unique")]
        indexes = [
            models.Index(fields=["channel", "is_follower"]),
            # a synced dossier's phone finds the followers who shared it (dossiers.services.linking)
            models.Index(
                fields=["shared_phone"], condition=~models.Q(shared_phone=""), name="channel_contact_shared_phone"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.user_id


class InboundMessage(UUIDModel):
    """A message a person sent us on a channel. Outbound messages are the outbox's OutboundMessage rows."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="inbound_messages")
    channel_contact = models.ForeignKey(ChannelContact, on_delete=models.PROTECT, related_name="inbound_messages")
    provider_message_id = models.CharField(max_length=100)
    provider_event = models.CharField(max_length=80, blank=True, help_text="e.g. user_send_text")
    kind = models.CharField(max_length=20, help_text="text, image, file, location, sticker, ...")
    text = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, help_text="When the person sent it (provider time).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "provider_message_id"], name="inbound_message_unique")
        ]
        indexes = [models.Index(fields=["channel_contact", "received_at"])]

    def __str__(self) -> str:
        return f"{self.kind} from {self.channel_contact}"
