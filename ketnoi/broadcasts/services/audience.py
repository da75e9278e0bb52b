"""Tags and community groups: the parts of an audience officials manage by hand.

Tags are kept in ketnoi (AudienceTag); where the channel type has provider-side tags (Zalo's tag API), adding or
removing one is mirrored there after commit, and the provider's own tag events come back through the inbound
handler, so both sides converge. Channels without provider tags keep them in ketnoi only.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from ketnoi.channels.types.base import SendError
from ketnoi.contacts.models import ChannelContact
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import scope_of

from ..models import AudienceTag, CommunityGroup, GroupMember, GroupRole, Household

log = logging.getLogger(__name__)

WELL_KNOWN_TAGS = ("citizen", "business", "group_leader", "official", "tester")
PROVIDER_TAG_PREFIX = "ketnoi_"  # provider tags we own carry this prefix, so an OA's own tags are left alone


def _clean(name: str) -> str:
    name = name.strip().lower().replace(" ", "_")
    if not name or len(name) > 60:
        raise ApplicationError(_("A tag has 1 to 60 characters."), code="bad_tag")
    return name


def _check(actor, channel_contact: ChannelContact) -> None:
    if actor is None:
        return
    scope = scope_of(actor).narrowed("broadcasts.compose")
    if not scope.can("broadcasts.compose") or not scope.covers_path(channel_contact.channel.unit.path):
        raise NotPermitted()


def _mirror(channel_contact: ChannelContact, name: str, *, add: bool) -> None:
    channel = channel_contact.channel
    channel_type = channel.channel_type
    if not getattr(channel_type, "supports_profiles", False):
        return

    def push() -> None:
        try:
            if add:
                channel_type.add_tag(channel, channel_contact.user_id, PROVIDER_TAG_PREFIX + name)
            else:
                channel_type.remove_tag(channel, channel_contact.user_id, PROVIDER_TAG_PREFIX + name)
        except SendError as exc:
            log.warning("Tag %s not mirrored to channel %s: %s", name, channel.pk, exc.message)

    transaction.on_commit(push)


@transaction.atomic
def tag_add(*, actor, channel_contact: ChannelContact, name: str, mirror: bool = True) -> AudienceTag:
    """Tag a follower (actor None: the system, e.g. a provider tag event). Idempotent."""
    _check(actor, channel_contact)
    name = _clean(name)
    tag, created = AudienceTag.objects.get_or_create(channel_contact=channel_contact, name=name)
    if created:
        audit_record(
            actor=actor,
            action="broadcasts.tag_add",
            target=channel_contact,
            unit_path=channel_contact.channel.unit.path,
            after={"tag": name},
        )
        if mirror:
            _mirror(channel_contact, name, add=True)
    return tag


@transaction.atomic
def tag_remove(*, actor, channel_contact: ChannelContact, name: str, mirror: bool = True) -> bool:
    _check(actor, channel_contact)
    name = _clean(name)
    deleted, _rows = AudienceTag.objects.filter(channel_contact=channel_contact, name=name).delete()
    if deleted:
        audit_record(
            actor=actor,
            action="broadcasts.tag_remove",
            target=channel_contact,
            unit_path=channel_contact.channel.unit.path,
            before={"tag": name},
        )
        if mirror:
            _mirror(channel_contact, name, add=False)
    return bool(deleted)


def tags_from_provider(*, channel_contact: ChannelContact, names) -> None:
    """The provider says the person carries these tags (a profile fetch or a tag event): add ours that are new."""
    for name in names:
        if name.startswith(PROVIDER_TAG_PREFIX):
            tag_add(actor=None, channel_contact=channel_contact, name=name[len(PROVIDER_TAG_PREFIX) :], mirror=False)


# --- community groups --------------------------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *, actor, unit: AdministrativeUnit, name: str, residential_group: AdministrativeUnit | None = None
) -> CommunityGroup:
    if actor is not None:
        scope = scope_of(actor).narrowed("broadcasts.compose")
        if not scope.can("broadcasts.compose") or not scope.covers_path(unit.path):
            raise NotPermitted()
    if not name.strip():
        raise ApplicationError(_("A group needs a name."), code="no_name")
    if residential_group is not None and residential_group.parent_id != unit.pk:
        raise ApplicationError(_("The residential group is not inside this commune or ward."), code="bad_group")
    if residential_group is not None and CommunityGroup.objects.filter(residential_group=residential_group).exists():
        raise ApplicationError(
            _("%(group)s already has its community group.") % {"group": residential_group.name}, code="group_exists"
        )
    group = CommunityGroup.objects.create(unit=unit, name=name.strip(), residential_group=residential_group)
    audit_record(actor=actor, action="broadcasts.group_create", target=group, unit_path=unit.path)
    return group


@transaction.atomic
def group_member_set(
    *,
    actor,
    group: CommunityGroup,
    channel_contact: ChannelContact,
    role: str = GroupRole.MEMBER,
    household: Household | None = None,
) -> GroupMember:
    """Add a follower to a group (or change their role). Leaders are also tagged group_leader."""
    if actor is not None:
        scope = scope_of(actor).narrowed("broadcasts.compose")
        if not scope.can("broadcasts.compose") or not scope.covers_path(group.unit.path):
            raise NotPermitted()
    if role not in GroupRole.values:
        raise ApplicationError(_("Unknown group role."), code="bad_role")
    member, _created = GroupMember.objects.update_or_create(
        group=group, channel_contact=channel_contact, defaults={"role": role, "household": household}
    )
    if role == GroupRole.LEADER:
        tag_add(actor=None, channel_contact=channel_contact, name="group_leader")
    audit_record(
        actor=actor,
        action="broadcasts.group_member_set",
        target=group,
        unit_path=group.unit.path,
        after={"member": channel_contact.user_id, "role": role},
    )
    return member
