"""Composing broadcasts: drafts, templates, and what a draft would reach and cost (before anyone approves it)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import Button, OutboundPayload, WindowState
from ketnoi.core.audit import audit_record, snapshot
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.urls import clean_http_url
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import scope_of

from ..audience import audience_of, chat_group_reach, reach_of, recipients
from ..models import Broadcast, BroadcastTemplate, BroadcastTransition, CommunityGroup, ProviderPath, Topic
from ..states import EDITABLE, State

BUTTON_ACTIONS = {"url", "query_show", "query_hide", "phone"}
MAX_BUTTONS = 5
CONTENT_FIELDS = (
    "title",
    "topic",
    "path",
    "text",
    "text_en",
    "image_url",
    "link_url",
    "link_title",
    "buttons",
    "zbs_template_id",
    "area",
    "exclude_area",
    "tags",
    "exclude_tags",
    "subscribers_only",
    "is_training",
    "to_group_chats",
    "send_at",
)


@dataclass
class BroadcastContent:
    """What the composer form submits. `channels` are Channel objects; areas AdministrativeUnits."""

    title: str
    text: str
    channels: list[Channel]
    topic: str = Topic.NEWS
    path: str = ProviderPath.CONSULTATION
    text_en: str = ""
    image_url: str = ""
    link_url: str = ""
    link_title: str = ""
    buttons: list[dict[str, str]] = field(default_factory=list)
    zbs_template_id: str = ""
    area: AdministrativeUnit | None = None
    exclude_area: AdministrativeUnit | None = None
    tags: list[str] = field(default_factory=list)
    exclude_tags: list[str] = field(default_factory=list)
    subscribers_only: bool = True
    is_training: bool = False
    send_at: dt.datetime | None = None
    template: BroadcastTemplate | None = None
    to_group_chats: bool = False  # one post into each community group's Zalo chat, not one message per follower
    community_groups: list[CommunityGroup] = field(default_factory=list)  # empty: every group chat in the area


def _clean_tags(tags) -> list[str]:
    return sorted({str(t).strip().lower() for t in tags if str(t).strip()})


def _check(content: BroadcastContent) -> None:
    if not content.title.strip():
        raise ApplicationError(_("A broadcast needs a title."), code="no_title")
    if not content.text.strip():
        raise ApplicationError(_("A broadcast needs a text."), code="no_text")
    if content.topic not in Topic.values:
        raise ApplicationError(_("Unknown topic."), code="bad_topic")
    if content.path not in ProviderPath.values:
        raise ApplicationError(_("Unknown message kind."), code="bad_path")
    if not content.channels:
        raise ApplicationError(_("Choose at least one official account."), code="no_channel")
    if len(content.buttons) > MAX_BUTTONS:
        raise ApplicationError(_("At most %(n)s buttons.") % {"n": MAX_BUTTONS}, code="too_many_buttons")
    for button in content.buttons:
        if not button.get("title") or button.get("action") not in BUTTON_ACTIONS or not button.get("value"):
            raise ApplicationError(_("Every button needs a title, an action and a value."), code="bad_button")
        if button.get("action") == "url":
            clean_http_url(str(button["value"]))
    clean_http_url(content.image_url)
    clean_http_url(content.link_url)
    if content.image_url and (content.buttons or content.link_url):
        raise ApplicationError(
            _("An image message cannot carry buttons or a link; send the image and the link separately."),
            code="image_with_buttons",
        )
    if content.path == ProviderPath.TEMPLATE and not content.zbs_template_id:
        raise ApplicationError(_("A template message by phone needs the approved template's id."), code="no_template")
    if content.path == ProviderPath.ARTICLE:
        for channel in content.channels:
            key = getattr(channel.channel_type, "article_config_key", None)
            if not key or not channel.config.get(key):
                raise ApplicationError(
                    _("%(oa)s is not configured for article broadcasts.") % {"oa": channel.name}, code="no_article"
                )
    if content.to_group_chats:
        if content.path != ProviderPath.CONSULTATION:
            raise ApplicationError(
                _("Group chats take the message itself, not a template or an article."), code="group_path"
            )
        if content.is_training:
            raise ApplicationError(_("Training mode reaches testers, not group chats."), code="group_training")
        if not any(channel.channel_type.supports_groups for channel in content.channels):
            raise ApplicationError(_("None of these official accounts has group chats."), code="no_gmf_channel")
    if content.area and content.exclude_area and content.area.pk == content.exclude_area.pk:
        raise ApplicationError(_("The excluded area is the whole area."), code="bad_area")


def _check_scope(actor, unit: AdministrativeUnit, content: BroadcastContent) -> None:
    scope = scope_of(actor).narrowed("broadcasts.compose")
    if not scope.can("broadcasts.compose") or not scope.covers_path(unit.path):
        raise NotPermitted()
    for channel in content.channels:
        if not scope.covers_path(channel.unit.path):
            raise NotPermitted(_("You cannot send on %(oa)s.") % {"oa": channel.name})
    for area in (content.area, content.exclude_area):
        if area is not None and not scope.covers_path(area.path):
            raise NotPermitted(_("%(area)s is outside your units.") % {"area": area.name})
    for group in content.community_groups:
        if not scope.covers_path(group.unit.path):
            raise NotPermitted(_("%(area)s is outside your units.") % {"area": group.name})


def _check_places(unit: AdministrativeUnit, content: BroadcastContent) -> None:
    """The areas lie inside the unit the broadcast speaks for, and each account belongs to that unit, above it (the
    province's OA reaches a ward) or inside it: a ward's alert cannot go to another ward's people or OA."""
    for area in (content.area, content.exclude_area):
        if area is not None and not area.path.startswith(unit.path):
            raise ApplicationError(
                _("%(area)s is not in %(unit)s.") % {"area": area.place_name, "unit": unit.name}, code="area_outside"
            )
    for channel in content.channels:
        if not (unit.path.startswith(channel.unit.path) or channel.unit.path.startswith(unit.path)):
            raise ApplicationError(
                _("%(oa)s does not serve %(unit)s.") % {"oa": channel.name, "unit": unit.name}, code="channel_outside"
            )


def _apply(broadcast: Broadcast, content: BroadcastContent) -> None:
    for name in CONTENT_FIELDS:
        value = getattr(content, name)
        if name in ("tags", "exclude_tags"):
            value = _clean_tags(value)
        setattr(broadcast, name, value)
    broadcast.template = content.template
    broadcast.updated_at = timezone.now()


@transaction.atomic
def broadcast_create(*, actor, unit: AdministrativeUnit, content: BroadcastContent) -> Broadcast:
    """A new draft owned by `unit`. The author needs broadcasts.compose over the unit, its channels and areas."""
    _check_scope(actor, unit, content)
    _check(content)
    _check_places(unit, content)
    broadcast = Broadcast(unit=unit, author=actor)
    _apply(broadcast, content)
    broadcast.save()
    broadcast.channels.set(content.channels)
    broadcast.community_groups.set(content.community_groups if content.to_group_chats else [])
    broadcast.recipients_estimate = reach_of(broadcast)
    broadcast.save(update_fields=["recipients_estimate"])
    BroadcastTransition.objects.create(broadcast=broadcast, to_state=State.DRAFT, actor=actor)
    audit_record(
        actor=actor,
        action="broadcasts.create",
        target=broadcast,
        unit_path=unit.path,
        after=snapshot(broadcast, ("title", "topic", "path", "state")),
    )
    return broadcast


@transaction.atomic
def broadcast_update(*, actor, broadcast: Broadcast, content: BroadcastContent) -> Broadcast:
    """Edit a draft (or a rejected broadcast, which goes back to draft)."""
    broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if broadcast.state not in EDITABLE:
        raise ApplicationError(_("Only drafts can be edited."), code="not_editable")
    _check_scope(actor, broadcast.unit, content)
    _check(content)
    _check_places(broadcast.unit, content)
    before = snapshot(broadcast, ("title", "text", "state"))
    _apply(broadcast, content)
    if broadcast.state == State.REJECTED:
        BroadcastTransition.objects.create(
            broadcast=broadcast, from_state=broadcast.state, to_state=State.DRAFT, actor=actor, note="edited"
        )
        broadcast.state = State.DRAFT
    broadcast.save()
    broadcast.channels.set(content.channels)
    broadcast.community_groups.set(content.community_groups if content.to_group_chats else [])
    broadcast.recipients_estimate = reach_of(broadcast)
    broadcast.save(update_fields=["recipients_estimate"])
    audit_record(
        actor=actor,
        action="broadcasts.update",
        target=broadcast,
        unit_path=broadcast.unit.path,
        before=before,
        after=snapshot(broadcast, ("title", "text", "state")),
    )
    return broadcast


# --- what is sent ------------------------------------------------------------------------------------------------


def payload_for(broadcast: Broadcast, *, language: str = "vi", relay: bool = False) -> OutboundPayload:
    """The message as the provider path sends it, in the recipient's language (English where written)."""
    text = broadcast.text_en if language == "en" and broadcast.text_en else broadcast.text
    if broadcast.path == ProviderPath.TEMPLATE:
        return OutboundPayload(
            kind="template",
            template_id=broadcast.zbs_template_id,
            template_data={"title": broadcast.title, "content": text},
        )
    buttons = [Button(title=b["title"], action=b["action"], value=b["value"]) for b in broadcast.buttons]
    if broadcast.link_url:
        buttons.append(Button(title=broadcast.link_title or _("Read more"), action="url", value=broadcast.link_url))
    if relay or "group_leader" in (broadcast.tags or ()):
        buttons.append(Button(title=_("Relay to my group"), action="query_hide", value=f"#bc.relay:{broadcast.uuid}"))
    buttons = buttons[:MAX_BUTTONS]
    if buttons:
        return OutboundPayload(kind="buttons", text=text, buttons=tuple(buttons))
    if broadcast.image_url:
        return OutboundPayload(kind="image", text=text, media_url=broadcast.image_url)
    return OutboundPayload(kind="text", text=text)


def group_payload_for(broadcast: Broadcast) -> OutboundPayload:
    """The broadcast as a post into a group chat: text (with the link written out: groups take no buttons) or an
    image with its caption. Posts are in the province's language: a group is shared by its households."""
    text = broadcast.text.strip()
    if broadcast.link_url:
        text = f"{text}\n{broadcast.link_title or _('Read more')}: {broadcast.link_url}"
    if broadcast.image_url:
        return OutboundPayload(kind="image", text=text, media_url=broadcast.image_url)
    return OutboundPayload(kind="text", text=text)


@dataclass(frozen=True)
class Estimate:
    recipients: int
    reachable: int  # inside the provider's window, or reachable by phone for template messages
    paid: int  # messages the provider charges for
    cost: int  # đồng


def broadcast_estimate(broadcast: Broadcast) -> Estimate:
    """Reach and cost before sending: COUNT queries by channel and window age (provider facts from the type)."""
    now = timezone.now()
    if broadcast.to_group_chats:  # posts inside groups are free, and every member sees them
        members = chat_group_reach(broadcast)[1]
        return Estimate(recipients=members, reachable=members, paid=0, cost=0)
    total = reachable = paid = cost = 0
    base = recipients(audience_of(broadcast))
    for channel in broadcast.channels.all():
        channel_type = channel.channel_type
        rows = base.filter(channel=channel)
        if broadcast.path == ProviderPath.TEMPLATE:
            counts = rows.aggregate(
                n=Count("pk"), phone=Count("pk", filter=~Q(shared_phone="") | ~Q(contact__phone=""))
            )
            unit_cost = getattr(channel_type, "template_message_cost", lambda: 0)()
            total += counts["n"]
            reachable += counts["n"]  # without a phone, by the person's id on the OA
            paid += counts["n"]
            cost += counts["n"] * unit_cost
            continue
        edges = getattr(channel_type, "window_edges", None)
        if not edges:
            n = rows.count()
            total, reachable = total + n, reachable + n
            continue
        buckets: dict[str, Any] = {"n": Count("pk")}
        for age, state in edges:
            buckets[state] = Count("pk", filter=Q(last_interaction_at__gte=now - age))
        counts = rows.aggregate(**buckets)
        free = counts.get(WindowState.FREE, 0)
        within = max(counts.get(state, 0) for _age, state in edges)
        n_paid = within - free
        total += counts["n"]
        reachable += within
        paid += n_paid
        cost += n_paid * getattr(channel_type, "paid_message_cost", lambda: 0)()
    return Estimate(recipients=total, reachable=reachable, paid=paid, cost=cost)


# --- templates ---------------------------------------------------------------------------------------------------


@transaction.atomic
def template_save(
    *,
    actor,
    unit: AdministrativeUnit,
    name: str,
    text: str,
    topic: str = Topic.NEWS,
    text_en: str = "",
    buttons: list[dict] | None = None,
    template: BroadcastTemplate | None = None,
) -> BroadcastTemplate:
    """Create or edit reusable wording. Editing a pre-approved template withdraws its pre-approval."""
    scope = scope_of(actor).narrowed("broadcasts.compose")
    if not scope.can("broadcasts.compose") or not scope.covers_path(unit.path):
        raise NotPermitted()
    if not name.strip() or not text.strip():
        raise ApplicationError(_("A template needs a name and a text."), code="bad_template")
    if topic not in Topic.values:
        raise ApplicationError(_("Unknown topic."), code="bad_topic")
    if template is None:
        template = BroadcastTemplate(unit=unit, created_by=actor)
    before = snapshot(template, ("name", "text", "pre_approved_at")) if template.pk else {}
    template.name, template.text, template.text_en, template.topic = name.strip(), text, text_en, topic
    template.buttons = buttons or []
    template.pre_approved_by, template.pre_approved_at = None, None
    template.save()
    audit_record(
        actor=actor,
        action="broadcasts.template_save",
        target=template,
        unit_path=unit.path,
        before=before,
        after=snapshot(template, ("name", "text", "topic")),
    )
    return template


@transaction.atomic
def template_pre_approve(*, actor, template: BroadcastTemplate) -> BroadcastTemplate:
    """A leader approves wording in advance: alerts using it unchanged skip the second approval (fast path)."""
    scope = scope_of(actor).narrowed("broadcasts.approve")
    if not scope.can("broadcasts.approve") or not scope.covers_path(template.unit.path):
        raise NotPermitted()
    template.pre_approved_by, template.pre_approved_at = actor, timezone.now()
    template.save(update_fields=["pre_approved_by", "pre_approved_at"])
    audit_record(actor=actor, action="broadcasts.template_pre_approve", target=template, unit_path=template.unit.path)
    return template
