"""Writes of the conversation app outside the engine's own session rows: the person's language."""

from django.db import transaction

from ketnoi.contacts.models import Contact
from ketnoi.core.audit import audit_record

LANGUAGES = ("vi", "en")


@transaction.atomic
def contact_set_language(*, contact: Contact, language: str) -> Contact:
    """The citizen asked for another language: every later message to them (chat, notices) uses it."""
    if language not in LANGUAGES:
        raise ValueError(f"Unsupported language {language!r}.")
    if contact.language == language:
        return contact
    before = {"language": contact.language}
    contact.language = language
    contact.save(update_fields=["language"])
    audit_record(
        actor=None, action="contact.language", target=contact, unit_path="", before=before, after={"language": language}
    )
    return contact
