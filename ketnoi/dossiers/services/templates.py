"""Editing a unit's notice wording (the console's template editor calls these; preview: notifications.template_render)."""

from django.db import transaction
from django.utils.translation import gettext as _

from ketnoi.core.actor import as_actor
from ketnoi.core.audit import audit_record
from ketnoi.core.errors import ApplicationError, NotPermitted
from ketnoi.core.text import nfc
from ketnoi.orgs.models import AdministrativeUnit
from ketnoi.orgs.scoping import scope_of

from ..models import NotificationKind, NotificationTemplate
from ..notifications import template_validate

CAPABILITY = "orgs.manage_officials"  # unit administrators word their unit's notices


def _check(actor, unit: AdministrativeUnit) -> None:
    if actor is None:
        return
    scope = scope_of(actor)
    if not (scope.can(CAPABILITY) and scope.narrowed(CAPABILITY).covers_path(unit.path)):
        raise NotPermitted()


@transaction.atomic
def notification_template_save(
    *, actor, unit: AdministrativeUnit, kind: str, language: str, text: str
) -> NotificationTemplate:
    """Set a unit's wording of one notice; placeholders are checked, so a typo never reaches a citizen."""
    _check(actor, unit)
    if kind not in NotificationKind.values:
        raise ApplicationError(f"Unknown notice '{kind}'.", code="unknown_kind")
    if language not in ("vi", "en"):
        raise ApplicationError(_("Templates are in Vietnamese (vi) or English (en)."), code="unknown_language")
    text = nfc(text).strip()
    if not text:
        raise ApplicationError(_("The text is empty."), code="empty_template")
    template_validate(text)
    template = NotificationTemplate.objects.filter(unit=unit, kind=kind, language=language).first()
    before = {"text": template.text} if template else None
    template = template or NotificationTemplate(unit=unit, kind=kind, language=language)
    template.text = text
    template.updated_by = as_actor(actor).user
    template.save()
    audit_record(
        actor=actor,
        action="dossier_template.save",
        target=template,
        unit_path=unit.path,
        before=before,
        after={"kind": kind, "language": language, "text": text},
    )
    return template


@transaction.atomic
def notification_template_reset(*, actor, unit: AdministrativeUnit, kind: str, language: str) -> None:
    """Back to the default wording (or the parent unit's)."""
    _check(actor, unit)
    template = NotificationTemplate.objects.filter(unit=unit, kind=kind, language=language).first()
    if template is None:
        return
    audit_record(
        actor=actor,
        action="dossier_template.reset",
        target=template,
        unit_path=unit.path,
        before={"text": template.text},
        after={},
    )
    template.delete()
