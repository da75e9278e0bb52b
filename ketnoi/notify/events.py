"""ketnoi's own events for other systems: dossier and petition history, as signed callbacks to the services that
subscribe (SendingService.subscribed_events), through the same queue as notification statuses.

The job notify.events reads each history table after its cursor (EventCursor, moved in the same transaction as
the callbacks it writes, so an event is told once) and writes one callback per event and subscribed service whose
unit covers the dossier's or petition's unit. A feed with no subscriber only moves its cursor; a new feed starts
at the present, not with all of history. Bodies carry codes and states, never the citizen's name or phone."""

from django.db import transaction
from django.db.models import Max

from ketnoi.dossiers.models import DossierEvent
from ketnoi.petitions.models import PetitionEvent

from . import callbacks
from .models import EventCursor, SendingService

BATCH = 2000


def _dossier_body(event: DossierEvent) -> dict:
    dossier = event.dossier
    return {
        "id": event.pk,
        "kind": event.kind,
        "dossier": str(dossier.uuid),
        "receipt_code": dossier.receipt_code,
        "external_id": dossier.external_id or None,
        "from_state": event.from_state or None,
        "to_state": event.to_state or None,
        "national_code": event.national_code,
        "occurred_at": event.occurred_at.isoformat(),
    }


def _petition_body(event: PetitionEvent) -> dict:
    petition = event.petition
    return {
        "id": event.pk,
        "kind": event.kind,
        "petition": str(petition.uuid),
        "tracking_code": petition.tracking_code,
        "from_state": event.from_state or None,
        "to_state": event.to_state or None,
        "occurred_at": event.occurred_at.isoformat(),
    }


FEEDS = {
    "dossier": (DossierEvent, "dossier", _dossier_body),
    "petition": (PetitionEvent, "petition", _petition_body),
}


def _relay_feed(name: str) -> int:
    model, parent, body_of = FEEDS[name]
    with transaction.atomic():
        cursor, created = EventCursor.objects.select_for_update().get_or_create(name=name)
        if created:
            cursor.last_id = model.objects.aggregate(top=Max("pk"))["top"] or 0
            cursor.save()
            return 0
        subscribers = [
            s
            for s in SendingService.objects.filter(is_active=True).exclude(callback_url="").select_related("unit")
            if name in (s.subscribed_events or [])
        ]
        if not subscribers:
            cursor.last_id = model.objects.aggregate(top=Max("pk"))["top"] or cursor.last_id
            cursor.save()
            return 0
        events = list(
            model.objects.filter(pk__gt=cursor.last_id).select_related(f"{parent}__unit").order_by("pk")[:BATCH]
        )
        written = 0
        for event in events:
            path = getattr(event, parent).unit.path
            for service in subscribers:
                if path.startswith(service.unit.path):
                    callbacks.enqueue(service=service, event=f"{name}.event", body=body_of(event))
                    written += 1
        if events:
            cursor.last_id = events[-1].pk
            cursor.save()
        return written


def events_relay() -> int:
    return sum(_relay_feed(name) for name in FEEDS)
