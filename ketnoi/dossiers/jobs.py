"""Scheduled dossier jobs (settings.SCHEDULED_JOBS): the daily apology prompt."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import ApologyPrompt
from .selectors import dossiers_at_risk


@transaction.atomic
def prompt_apologies(stdout=None, *, today: dt.date | None = None) -> int:
    """Prompt the officers (console list `selectors.apology_prompts`) for every dossier one working day from its due
    date, or already late, without an apology slip yet. Idempotent per dossier and due date; returns prompts made."""
    today = today or timezone.localdate()
    made = 0
    for dossier_id, due_date in dossiers_at_risk(today=today).values_list("id", "due_date"):
        _prompt, created = ApologyPrompt.objects.get_or_create(dossier_id=dossier_id, due_date=due_date)
        made += created
    if stdout is not None:
        stdout.write(f"Apology prompts: {made} new.")
    return made
