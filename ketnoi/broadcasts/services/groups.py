"""Community groups (the Song Cau pattern: ward → residential groups → households), managed by the ward's officials
in the console, imported from the ward's household list (CSV/XLSX), and joined by a household from the chat.

A household is the ward's record (house, head of household, phone); its members are followers of the ward's (or
the province's) OA. Leaders are members who relay broadcasts to their group (tag group_leader). Every write is
checked against the acting official's scope (broadcasts.compose over the group's commune) and audited.
"""

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ketnoi.contacts.models import ChannelContact
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.phones import InvalidPhoneNumber, normalize_phone
from ketnoi.core.redaction import mask_phone
from ketnoi.core.tabular import ImportReport, read_records, text_cell
from ketnoi.core.text import fold
from ketnoi.orgs.models import COMMUNE_KINDS, AdministrativeUnit, UnitKind
from ketnoi.orgs.scoping import scope_of

from ..models import CommunityGroup, GroupMember, GroupRole, Household, HouseholdSource, household_key
from .audience import group_create, tag_add, tag_remove
from .subscriptions import subscription_for, subscription_set

LEADER_TAG = "group_leader"
GROUP_KINDS = (UnitKind.RESIDENTIAL_GROUP, UnitKind.VILLAGE)


def _check(actor, unit: AdministrativeUnit) -> None:
    if actor is None:
        return
    scope = scope_of(actor).narrowed("broadcasts.compose")
    if not scope.can("broadcasts.compose") or not scope.covers_path(unit.path):
        raise NotPermitted()


def _phone(raw: str) -> str:
    if not (raw or "").strip():
        return ""
    try:
        return normalize_phone(raw)
    except InvalidPhoneNumber:
        raise ApplicationError(_("“%(p)s” is not a phone number.") % {"p": raw[:30]}, code="bad_phone") from None


def _audit(actor, action: str, group: CommunityGroup, **after) -> None:
    audit_record(actor=actor, action=f"broadcasts.{action}", target=group, unit_path=group.unit.path, after=after)


def reaches(channel_unit: AdministrativeUnit, group: CommunityGroup) -> bool:
    """An OA of the group's commune, one above it (the province's) or inside it serves the group's households."""
    return group.unit.path.startswith(channel_unit.path) or channel_unit.path.startswith(group.unit.path)


@transaction.atomic
def group_for_residential_group(*, actor, residential_group: AdministrativeUnit) -> CommunityGroup:
    """The community group of a residential group or village, created on first use ("Cộng đồng Tổ dân phố 2")."""
    if residential_group.kind not in GROUP_KINDS or residential_group.parent is None:
        raise ApplicationError(_("Choose a residential group or a village."), code="bad_group")
    existing = CommunityGroup.objects.filter(residential_group=residential_group).first()
    if existing is not None:
        _check(actor, existing.unit)
        return existing
    with translation.override(settings.LANGUAGE_CODE):  # a name kept for everyone, in the province's language
        name = _("Community of %(name)s") % {"name": residential_group.name}
    return group_create(actor=actor, unit=residential_group.parent, name=name, residential_group=residential_group)


@transaction.atomic
def leaders_group_create(*, actor, commune: AdministrativeUnit) -> CommunityGroup:
    """The ward's own community group: its residential-group leaders (ward -> leaders, as Song Cau runs it)."""
    if commune.kind not in COMMUNE_KINDS:
        raise ApplicationError(_("Choose a commune or a ward."), code="bad_unit")
    existing = CommunityGroup.objects.filter(unit=commune, residential_group=None).first()
    if existing is not None:
        _check(actor, commune)
        return existing
    with translation.override(settings.LANGUAGE_CODE):
        name = _("Residential-group leaders of %(unit)s") % {"unit": commune.name}
    return group_create(actor=actor, unit=commune, name=name)


@transaction.atomic
def household_save(
    *,
    actor,
    group: CommunityGroup,
    label: str,
    head_name: str = "",
    phone: str | None = None,
    household: Household | None = None,
    source: str = HouseholdSource.CONSOLE,
) -> Household:
    """Add a household to a group, or correct one (`phone` None keeps the one on file, which the console never
    shows in full). Two households of a group cannot have the same house."""
    _check(actor, group.unit)
    label = " ".join(label.split())
    if not household_key(label):
        raise ApplicationError(_("Write the house number or address."), code="no_label")
    clash = Household.objects.filter(group=group, label_key=household_key(label))
    if household is not None:
        clash = clash.exclude(pk=household.pk)
    if clash.exists():
        raise ApplicationError(
            _("%(group)s already has the household “%(label)s”.") % {"group": group.name, "label": label},
            code="duplicate_household",
        )
    created = household is None
    household = household or Household(group=group, source=source)
    household.label, household.head_name = label[:120], head_name.strip()[:120]
    if phone is not None or created:
        household.phone = _phone(phone or "")
    household.save()
    _audit(
        actor,
        "household_add" if created else "household_update",
        group,
        household=household.label,
        head=household.head_name,
        phone=mask_phone(household.phone),
    )
    return household


@transaction.atomic
def household_move(*, actor, household: Household, to: CommunityGroup) -> Household:
    """The household moved to another residential group: it goes there with its members."""
    source = household.group
    _check(actor, source.unit)
    _check(actor, to.unit)
    if to.pk == source.pk:
        return household
    if Household.objects.filter(group=to, label_key=household.label_key).exists():
        raise ApplicationError(
            _("%(group)s already has the household “%(label)s”.") % {"group": to.name, "label": household.label},
            code="duplicate_household",
        )
    moved = 0
    for member in household.members.select_related("channel_contact"):
        GroupMember.objects.filter(group=to, channel_contact=member.channel_contact).delete()
        member.group = to
        member.save(update_fields=["group"])
        moved += 1
    household.group = to
    household.save(update_fields=["group"])
    _audit(actor, "household_move", source, household=household.label, to=to.name, members=moved)
    return household


@transaction.atomic
def household_remove(*, actor, household: Household) -> None:
    """The household left (or was entered by mistake): it and its members leave the group."""
    group = household.group
    _check(actor, group.unit)
    members = list(household.members.select_related("channel_contact"))
    for member in members:
        _member_delete(member)
    label = household.label
    household.delete()
    _audit(actor, "household_remove", group, household=label, members=len(members))


def _member_delete(member: GroupMember) -> None:
    person, was_leader = member.channel_contact, member.role == GroupRole.LEADER
    member.delete()
    if was_leader and not GroupMember.objects.filter(channel_contact=person, role=GroupRole.LEADER).exists():
        tag_remove(actor=None, channel_contact=person, name=LEADER_TAG)


@transaction.atomic
def member_add_by_phone(*, actor, household: Household, phone: str) -> list[GroupMember]:
    """Add to the household the followers whose phone was proven (by a one-time code) to be this number, on the OAs
    that serve the group. A number typed in Zalo's form is not proof, so it is not used here."""
    group = household.group
    _check(actor, group.unit)
    number = _phone(phone)
    if not number:
        raise ApplicationError(_("Write the phone number."), code="no_phone")
    people = [
        p
        for p in ChannelContact.objects.filter(contact__phone=number, is_follower=True).select_related("channel__unit")
        if reaches(p.channel.unit, group)
    ]
    if not people:
        raise ApplicationError(
            _("No follower of this ward's accounts has proven the phone %(phone)s.") % {"phone": mask_phone(number)},
            code="no_follower",
        )
    added = [_join(person, household) for person in people]
    _audit(actor, "member_add", group, household=household.label, phone=mask_phone(number), members=len(added))
    return added


def _join(person: ChannelContact, household: Household) -> GroupMember:
    member, _created = GroupMember.objects.get_or_create(
        group=household.group, channel_contact=person, defaults={"household": household}
    )
    if member.household_id != household.pk:
        member.household = household
        member.save(update_fields=["household"])
    return member


@transaction.atomic
def member_remove(*, actor, member: GroupMember) -> None:
    group = member.group
    _check(actor, group.unit)
    who = member.channel_contact.display_name or member.channel_contact.user_id
    _member_delete(member)
    _audit(actor, "member_remove", group, member=who)


@transaction.atomic
def leader_set(*, actor, member: GroupMember, leader: bool) -> GroupMember:
    """Make a member the group's leader (tổ trưởng, tag group_leader: they can relay broadcasts), or not any more."""
    group = member.group
    _check(actor, group.unit)
    role = GroupRole.LEADER if leader else GroupRole.MEMBER
    if member.role == role:
        return member
    member.role = role
    member.save(update_fields=["role"])
    person = member.channel_contact
    if leader:
        tag_add(actor=None, channel_contact=person, name=LEADER_TAG)
    elif not GroupMember.objects.filter(channel_contact=person, role=GroupRole.LEADER).exists():
        tag_remove(actor=None, channel_contact=person, name=LEADER_TAG)
    _audit(actor, "leader_set", group, member=person.display_name or person.user_id, leader=leader)
    return member


@transaction.atomic
def household_join(*, channel_contact: ChannelContact, group: CommunityGroup, label: str) -> GroupMember:
    """A follower joins their residential group from the chat, into the household with that house (as the ward
    wrote it, or typed another way: "số 12" is "12"), else a new household the officials see as joined from the
    chat. Moving house: they leave the other groups of the same commune. Their subscription's place follows."""
    if not reaches(channel_contact.channel.unit, group):
        raise ApplicationError(_("This group is not served by this official account."), code="bad_group")
    key = household_key(label)
    if not key:
        raise ApplicationError(_("Write the house number or address."), code="no_label")
    household = Household.objects.filter(group=group, label_key=key).first()
    if household is None:
        household = Household.objects.create(
            group=group, label=" ".join(label.split())[:120], source=HouseholdSource.CHAT
        )
    for old in GroupMember.objects.filter(channel_contact=channel_contact, group__unit=group.unit).exclude(group=group):
        _member_delete(old)
    member = _join(channel_contact, household)
    if group.residential_group_id:
        subscription = subscription_for(channel_contact)
        subscription_set(
            channel_contact=channel_contact,
            topics=subscription.topics if subscription else set(),
            group=group.residential_group,
        )
    _audit(None, "household_join", group, household=household.label, member=channel_contact.user_id)
    return member


# --- import of the ward's household list --------------------------------------------------------------------------

COLUMNS = {
    "group": "group", "residential group": "group", "to": "group", "to dan pho": "group", "thon": "group",
    "to dan pho/thon": "group", "thon/to dan pho": "group", "khu pho": "group", "ap": "group", "ban": "group",
    "house": "label", "household": "label", "address": "label", "so nha": "label", "dia chi": "label", "ho": "label",
    "head": "head_name", "head of household": "head_name", "chu ho": "head_name", "ho ten chu ho": "head_name",
    "ten chu ho": "head_name",
    "phone": "phone", "dien thoai": "phone", "so dien thoai": "phone", "sdt": "phone",
}  # fmt: skip


def _group_units(commune: AdministrativeUnit) -> dict[str, AdministrativeUnit]:
    units = {}
    for unit in commune.children.filter(kind__in=GROUP_KINDS, valid_to__isnull=True):
        units[fold(unit.name)] = unit
        if unit.code:
            units[unit.code] = unit
        for word in ("to dan pho ", "to ", "thon ", "khu pho ", "ap ", "ban "):
            if fold(unit.name).startswith(word):
                units.setdefault(fold(unit.name)[len(word) :], unit)
    return units


@transaction.atomic
def households_import(*, actor, commune: AdministrativeUnit, file_name: str, content: bytes) -> ImportReport:
    """The ward's household list (CSV or XLSX: residential group, house, head of household, phone), all or nothing:
    every row is checked first, and households are created or updated (matched by group and house) only when no
    row has a problem. Followers who proved one of the phones join their household."""
    _check(actor, commune)
    report = ImportReport(file_name=file_name)
    records = read_records(file_name, content, report)
    units, rows, seen = _group_units(commune), [], {}
    for number, record in records:
        values = {}
        for column, value in record.items():
            key = COLUMNS.get(fold(str(column)).replace("_", " ").strip())
            if key is None:
                warning = _("Column “%(column)s” is not used.") % {"column": column}
                if warning not in report.warnings:
                    report.warnings.append(warning)
                continue
            values[key] = text_cell(value)
        unit = units.get(fold(values.get("group", ""))) or units.get(values.get("group", ""))
        if unit is None:
            report.error(
                number,
                "group",
                _("%(commune)s has no residential group or village “%(g)s”.")
                % {"commune": commune.name, "g": values.get("group", "")},
            )
        label = " ".join(values.get("label", "").split())
        if not household_key(label):
            report.error(number, "label", _("The house number or address is missing."))
        elif len(label) > 120:
            report.error(number, "label", _("Longer than %(n)s characters.") % {"n": 120})
        try:
            phone = _phone(values.get("phone", ""))
        except ApplicationError as exc:
            report.error(number, "phone", exc.message)
            phone = ""
        if unit is not None and household_key(label):
            first = seen.setdefault((unit.pk, household_key(label)), number)
            if first != number:
                report.error(number, "label", _("The same household is already on row %(first)s.") % {"first": first})
        rows.append((number, unit, label, values.get("head_name", "")[:120], phone))
    report.rows = len(rows)
    if not report.ok or not rows:
        return report
    linked = 0
    for _number, unit, label, head_name, phone in rows:
        group = group_for_residential_group(actor=actor, residential_group=unit)
        household = Household.objects.filter(group=group, label_key=household_key(label)).first()
        name = f"{unit.name}: {label}"
        if household is None:
            household = Household.objects.create(
                group=group, label=label, head_name=head_name, phone=phone, source=HouseholdSource.IMPORT
            )
            report.created.append(name)
        elif (household.head_name, household.phone) != (head_name, phone):
            household.head_name, household.phone = head_name, phone
            household.save(update_fields=["head_name", "phone"])
            report.updated.append(name)
        else:
            report.unchanged.append(name)
        if phone:
            for person in ChannelContact.objects.filter(contact__phone=phone, is_follower=True).select_related(
                "channel__unit"
            ):
                if reaches(person.channel.unit, group):
                    _join(person, household)
                    linked += 1
    if linked:
        report.warnings.append(
            _("%(n)s followers who proved one of these phones joined their household.") % {"n": linked}
        )
    audit_record(
        actor=actor,
        action="broadcasts.households_import",
        target=commune,
        unit_path=commune.path,
        after={"file": file_name, "created": len(report.created), "updated": len(report.updated), "linked": linked},
    )
    return report
