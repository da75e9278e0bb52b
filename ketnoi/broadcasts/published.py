"""The public archive: broadcasts that went out (sent, not training mode) are published news, policies and alerts.

No official here: the portal and the chat read it for anyone. A broadcast concerns its target area (the broadcast's
area, else its unit); "news for area X" is what targets X, a unit above it (province-wide news), or a place inside it.
Search ignores case and diacritics: every word must be in the folded title or text.
"""

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from ketnoi.core.text import fold

from .models import Broadcast, Topic
from .states import State

MAX_WORDS = 8


def _ancestor_paths(path: str) -> list[str]:
    """'/90/90001/' -> ['/90/', '/90/90001/']."""
    parts = [p for p in path.strip("/").split("/") if p]
    return [("/" + "/".join(parts[: i + 1]) + "/") for i in range(len(parts))]


def published_broadcasts(*, query: str = "", topic: str = "", area_path: str = "") -> QuerySet[Broadcast]:
    """Sent, non-training broadcasts, newest first, filtered by words, topic and area."""
    qs = (
        Broadcast.objects.filter(state=State.SENT, is_training=False)
        .select_related("unit", "area")
        .annotate(target_path=Coalesce("area__path", "unit__path"))
    )
    if topic:
        qs = qs.filter(topic=topic) if topic in Topic.values else qs.none()
    if area_path:
        qs = qs.filter(Q(target_path__in=_ancestor_paths(area_path)) | Q(target_path__startswith=area_path))
    for word in fold(query).split()[:MAX_WORDS]:
        qs = qs.filter(search_folded__contains=word)
    return qs.order_by("-finished_at", "-approved_at", "-id")


def published_get(*, uuid) -> Broadcast:
    found = published_broadcasts().filter(uuid=uuid).first()
    if found is None:
        raise Http404
    return found
