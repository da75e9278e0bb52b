"""The officials' internal channel: a console user linked to a follower of the internal OA (or the web console),
notices addressed to officials, and meetings with reminders and attendance."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.contacts.models import ChannelContact
from ketnoi.core.models import UUIDModel
from ketnoi.orgs.models import AdministrativeUnit


class OfficialLink(UUIDModel):
    """A console user's own account on the internal OA. Without one, notices show only in the console."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="official_link")
    channel_contact = models.OneToOneField(ChannelContact, on_delete=models.CASCADE, related_name="official_link")
    linked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} ↔ {self.channel_contact}"


class LinkCode(models.Model):
    """A short code an official sends to the internal OA (or scans as a QR) to link their account. Single use."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=12, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.code


class InternalNotice(UUIDModel):
    """One notice to one official: always listed in the console, and sent on the internal OA when linked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="internal_notices")
    key = models.CharField(max_length=100, unique=True, help_text="The caller's idempotency key.")
    text = models.TextField()
    buttons = models.JSONField(default=list, blank=True)
    url = models.CharField(max_length=255, blank=True, help_text="Where the notice leads in the console.")
    outbound_message_id = models.BigIntegerField(null=True, blank=True, help_text="Outbox row, when linked.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text[:60]


class Meeting(UUIDModel):
    unit = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=200)
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    remind_minutes_before = models.PositiveIntegerField(default=60)
    remind_at = models.DateTimeField(help_text="starts_at minus the reminder lead time.")
    reminded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["reminded_at", "remind_at"])]

    def __str__(self) -> str:
        return self.title


class Attendance(models.TextChoices):
    PENDING = "pending", _("No answer yet")
    ATTENDING = "attending", _("Attending")
    DECLINED = "declined", _("Not attending")


class MeetingParticipant(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    attendance = models.CharField(max_length=10, choices=Attendance.choices, default=Attendance.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="meeting_participant_unique")]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}"
