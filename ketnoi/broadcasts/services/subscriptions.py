"""Topic subscriptions of followers: the conversation engine's subscription flow writes through here."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.contacts.models import ChannelContact
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError
from ketnoi.orgs.models import COMMUNE_KINDS, AdministrativeUnit, UnitKind

from ..models import Subscription
from ..models.audience import TOPICS

GROUP_KINDS = (UnitKind.RESIDENTIAL_GROUP, UnitKind.VILLAGE)


def _check_area(area: AdministrativeUnit | None, group: AdministrativeUnit | None) -> AdministrativeUnit | None:
    if group is not None:
        if group.kind not in GROUP_KINDS:
            raise ApplicationError(_("The group must be a residential group or a village."), code="bad_group")
        parent = group.parent
        if area is None:
            area = parent
        elif parent is None or parent.pk != area.pk:
            raise ApplicationError(
                _("The residential group is not inside the chosen commune or ward."), code="bad_group"
            )
    if area is not None and area.kind not in COMMUNE_KINDS:
        raise ApplicationError(_("The area must be a commune, a ward or a special zone."), code="bad_area")
    if area is not None and not area.is_current:
        raise ApplicationError(_("This commune or ward no longer exists; choose the one it became."), code="bad_area")
    return area


@transaction.atomic
def subscription_set(
    *,
    channel_contact: ChannelContact,
    topics: set[str],
    area: AdministrativeUnit | None = None,
    group: AdministrativeUnit | None = None,
    actor=None,
) -> Subscription:
    """Set what a follower hears about and where they live (replaces the previous choice entirely).

    `topics` is a subset of {"news", "policies", "emergency"} (an empty set unsubscribes from everything but keeps
    the area). `area` is a commune/ward (AdministrativeUnit of a commune kind); `group` an optional residential
    group or village inside it (the area is taken from the group when only the group is given). Raises
    ApplicationError for an unknown topic or a unit of the wrong kind. `actor` is None when the citizen chose
    it in the chat (audited as the system), or the official who set it in the console.
    """
    topics = {str(t) for t in topics}
    unknown = topics - TOPICS
    if unknown:
        raise ApplicationError(f"Unknown topics: {', '.join(sorted(unknown))}.", code="bad_topic")
    area = _check_area(area, group)
    subscription = Subscription.objects.select_for_update().filter(channel_contact=channel_contact).first()
    before = _snapshot(subscription) if subscription else {}
    if subscription is None:
        subscription = Subscription(channel_contact=channel_contact, contact_id=channel_contact.contact_id)
    for topic in TOPICS:
        setattr(subscription, topic, topic in topics)
    subscription.area = area
    subscription.group = group
    subscription.area_path = (group or area).path if (group or area) else ""
    subscription.updated_at = timezone.now()
    subscription.save()
    audit_record(
        actor=actor,
        action="broadcasts.subscription_set",
        target=subscription,
        unit_path=subscription.area_path or channel_contact.channel.unit.path,
        before=before,
        after=_snapshot(subscription),
    )
    return subscription


def subscription_for(channel_contact: ChannelContact) -> Subscription | None:
    """The follower's subscription, or None if they never chose (a read; no scope: the citizen's own data)."""
    return Subscription.objects.select_related("area", "group").filter(channel_contact=channel_contact).first()


def _snapshot(subscription: Subscription) -> dict:
    return {
        "topics": sorted(subscription.topics),
        "area": subscription.area.name if subscription.area_id else "",
        "group": subscription.group.name if subscription.group_id else "",
    }
