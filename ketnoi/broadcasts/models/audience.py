"""Who a broadcast can reach: topic subscriptions with an area, tags, and community groups.

Audience queries run over ChannelContact (one follower of one OA) and these tables; every filter is an indexed
column or an EXISTS over an indexed table, so counting a million recipients is one COUNT query.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ketnoi.contacts.models import ChannelContact, Contact
from ketnoi.core.models import UUIDModel
from ketnoi.core.text import fold
from ketnoi.orgs.models import AdministrativeUnit


class Topic(models.TextChoices):
    NEWS = "news", _("News")
    POLICIES = "policies", _("Policies")
    EMERGENCY = "emergency", _("Emergency alerts")


TOPICS = frozenset(Topic.values)


class Subscription(UUIDModel):
    """What one follower (of one OA) wants to hear about, and where they live.

    Topics are three booleans (an indexed column each) rather than a list, so "subscribed to policies" is a plain
    filter on SQLite and PostgreSQL alike. `area_path` is the path of the residential group when one is chosen,
    else of the commune/ward: "lives under unit X" is `area_path LIKE X.path%`.
    """

    channel_contact = models.OneToOneField(ChannelContact, on_delete=models.CASCADE, related_name="subscription")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="subscriptions")
    news = models.BooleanField(default=False)
    policies = models.BooleanField(default=False)
    emergency = models.BooleanField(default=False)
    area = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Commune or ward."),
    )
    group = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Residential group or village inside the area."),
    )
    area_path = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.channel_contact}: {', '.join(sorted(self.topics)) or '-'}"

    @property
    def topics(self) -> set[str]:
        return {t for t in TOPICS if getattr(self, t)}


class AudienceTag(models.Model):
    """A tag on a follower, kept in ketnoi (mirrored to the provider's tags where the OA has them).

    Well-known names: citizen, business, group_leader, official, tester (training mode sends only to testers).
    """

    channel_contact = models.ForeignKey(ChannelContact, on_delete=models.CASCADE, related_name="audience_tags")
    name = models.CharField(max_length=60)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel_contact", "name"], name="audience_tag_unique")]
        indexes = [models.Index(fields=["name", "channel_contact"], name="audience_tag_by_name")]

    def __str__(self) -> str:
        return self.name


class CommunityGroup(UUIDModel):
    """A residential group's (or village's) community: the ward -> residential group -> households pattern.

    Leaders (tổ trưởng) relay broadcasts to their members; statistics report reach per group.
    """

    unit = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, related_name="community_groups", help_text=_("Commune or ward.")
    )
    residential_group = models.ForeignKey(
        AdministrativeUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name


class HouseholdSource(models.TextChoices):
    CONSOLE = "console", _("Added in the console")
    IMPORT = "import", _("Imported from a file")
    CHAT = "chat", _("Joined from the chat")


class Household(UUIDModel):
    """A household (hộ) of a residential group, as the ward keeps it: the house (label), the head of household and a
    phone. Its members are the followers who joined it (GroupMember.household); a household can have none yet."""

    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="households")
    label = models.CharField(_("house"), max_length=120, help_text=_("House number and street, e.g. Số 12 ngõ 3."))
    label_key = models.CharField(max_length=120, editable=False, help_text="The label folded, to match typed labels.")
    head_name = models.CharField(_("head of household"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164; shown masked."))
    source = models.CharField(max_length=10, choices=HouseholdSource.choices, default=HouseholdSource.CONSOLE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "label_key", "id"]
        constraints = [models.UniqueConstraint(fields=["group", "label_key"], name="household_label_unique")]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        self.label_key = household_key(self.label)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "label" in update_fields:
            kwargs["update_fields"] = {*update_fields, "label_key"}
        super().save(*args, **kwargs)


HOUSE_WORDS = {"so", "nha", "so nha", "ho", "house", "no"}


def household_key(label: str) -> str:
    """ "Số 12, ngõ 3" and "so 12 ngo 3" are the same house: folded, punctuation and the leading "số nhà" dropped."""
    words = "".join(ch if ch.isalnum() else " " for ch in fold(label)).split()
    while words and words[0] in HOUSE_WORDS:
        words = words[1:]
    return " ".join(words)[:120]


class GroupRole(models.TextChoices):
    LEADER = "leader", _("Group leader")
    MEMBER = "member", _("Group member")


class GroupMember(models.Model):
    group = models.ForeignKey(CommunityGroup, on_delete=models.CASCADE, related_name="members")
    channel_contact = models.ForeignKey(ChannelContact, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(max_length=10, choices=GroupRole.choices, default=GroupRole.MEMBER)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members", help_text=_("Household.")
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "channel_contact"], name="group_member_unique")]
        indexes = [models.Index(fields=["group", "role"])]

    def __str__(self) -> str:
        return f"{self.channel_contact} in {self.group}"
