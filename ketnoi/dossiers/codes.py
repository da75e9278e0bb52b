"""Receipt codes (Mã số hồ sơ): `<agency code>-YYMMDD-XXXX`, Circular 01/2018 Art. 19.

The sequence is per receiving agency and local day (Asia/Ho_Chi_Minh), gapless, and safe under concurrent intake:
the DailySequence row is incremented with an UPDATE, which holds the row lock until the intake transaction ends,
so two desks of one agency take turns and a rolled-back intake gives its number back. The first intake of a day
creates the row; a concurrent first intake that loses the race to insert retries the UPDATE.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ketnoi.orgs.models import Agency

from .models import DailySequence


def next_sequence(*, agency: Agency, day: dt.date) -> int:
    """Take the next number of `agency` on `day`. Call inside the intake transaction."""
    for _attempt in range(3):
        rows = DailySequence.objects.filter(agency=agency, day=day)
        if rows.update(last=F("last") + 1):
            return rows.values_list("last", flat=True).get()
        try:
            with transaction.atomic():
                DailySequence.objects.create(agency=agency, day=day, last=1)
            return 1
        except IntegrityError:
            continue  # another intake created today's row first: increment it
    raise RuntimeError(f"Could not allocate a receipt number for {agency.code} on {day}.")


def format_receipt_code(agency_code: str, day: dt.date, number: int) -> str:
    return f"{agency_code}-{day:%y%m%d}-{number:04d}"


def allocate_receipt_code(*, agency: Agency, received_at: dt.datetime) -> str:
    day = timezone.localdate(received_at)
    return format_receipt_code(agency.code, day, next_sequence(agency=agency, day=day))
