"""The fallback chain: when a channel cannot reach the person (not a follower, window closed), try the next way.

Steps, in order: a template message by phone on the same channel (Zalo ZBS, if the caller gave a template id),
then SMS through an SMS channel of the same unit or the nearest ancestor unit (or the one `sms_channel_id` names,
0 for none), else the person is unreachable.
Each step is its own row (fallback_of = the step before), written in the transaction that records the failure.
"""

from ketnoi.channels.models import Channel
from ketnoi.channels.types.base import OutboundPayload

from .models import FallbackStep, OutboundMessage
from .payloads import payload_from_json, payload_to_json

STEPS = (FallbackStep.TEMPLATE, FallbackStep.SMS)
KEY_SUFFIX = {FallbackStep.TEMPLATE: "~tpl", FallbackStep.SMS: "~sms"}


def sms_channel_for(channel: Channel) -> Channel | None:
    """The SMS gateway of the channel's unit, or of the nearest ancestor unit that has one."""
    ancestor_ids = [int(part) for part in channel.unit.path.strip("/").split("/") if part]
    candidates = Channel.objects.filter(type_code="sms", is_active=True, unit_id__in=ancestor_ids).select_related(
        "unit"
    )
    return max(candidates, key=lambda c: (c.unit.path.count("/"), -c.pk), default=None)


def _template_step(message: OutboundMessage) -> tuple[Channel, OutboundPayload] | None:
    template_id = message.fallback.get("template_id")
    if not (template_id and message.recipient_phone):
        return None
    try:
        if not message.channel.channel_type.supports_templates:
            return None
    except LookupError:
        return None
    payload = OutboundPayload(
        kind="template", template_id=template_id, template_data=message.fallback.get("template_data") or {}
    )
    return message.channel, payload


def _sms_step(message: OutboundMessage) -> tuple[Channel, OutboundPayload] | None:
    if not message.recipient_phone:
        return None
    text = message.fallback.get("sms_text") or payload_from_json(message.payload).text
    if not text:
        return None
    chosen = message.fallback.get("sms_channel_id")
    if chosen is None:
        channel = sms_channel_for(message.channel)
    else:  # the sender chose its gateway (a notifications API service), or none (0)
        channel = Channel.objects.filter(pk=chosen, type_code="sms", is_active=True).first() if chosen else None
    if channel is None:
        return None
    return channel, OutboundPayload(kind="text", text=text)


BUILDERS = {FallbackStep.TEMPLATE: _template_step, FallbackStep.SMS: _sms_step}


def start_next_step(message: OutboundMessage) -> OutboundMessage | None:
    """Write the next fallback row after `message` failed to reach the person, or None when none is left."""
    if not message.fallback:
        return None
    done = STEPS.index(message.fallback_step) + 1 if message.fallback_step else 0
    root_key = message.idempotency_key
    for suffix in KEY_SUFFIX.values():
        root_key = root_key.removesuffix(suffix)
    for step in STEPS[done:]:
        built = BUILDERS[step](message)
        if built is None:
            continue
        channel, payload = built
        step_message, _ = OutboundMessage.objects.get_or_create(
            idempotency_key=root_key + KEY_SUFFIX[step],
            defaults={
                "channel": channel,
                "recipient_phone": message.recipient_phone,
                "lane": message.lane,
                "kind": payload.kind,
                "payload": payload_to_json(payload),
                "fallback": message.fallback,
                "source_type": message.source_type,
                "source_id": message.source_id,
                "fallback_of": message,
                "fallback_step": step,
            },
        )
        return step_message
    return None
