"""Paging for every native list: `limit` rows (1-1,000) in id order after `cursor`, optionally only the rows
changed at or after `updated_since`. The answer is `{items, next_cursor}`; next_cursor is null on the last page.

Keyset paging (id > cursor ORDER BY id) costs the same on page 1 and page 10,000, and a row written while a client
pages through is never skipped: it is either on a page still to come or, for `updated_since`, found by the next
sync from the time that sync started."""

import datetime as dt
import re
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator

from django.db.models import QuerySet

MAX_LIMIT = 1000
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def iso_only(value):
    """A moment written as ISO 8601, as the schema says; pydantic alone would also take "0.5" as a Unix time."""
    if isinstance(value, str) and not ISO_MOMENT.match(value.strip()):
        raise ValueError("an ISO 8601 date-time, e.g. 2026-11-24T09:30:00+07:00")
    return value


def in_utc(value: dt.datetime) -> dt.datetime:
    """An aware moment in UTC: RFC 3339 allows offsets PostgreSQL refuses (+22:08 answered 500, found by
    schemathesis). A moment past the calendar's ends once in UTC is the end itself ("since the year 1")."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        return dt.datetime.min.replace(tzinfo=dt.UTC) if value.year == 1 else dt.datetime.max.replace(tzinfo=dt.UTC)


IsoDateTime = Annotated[dt.datetime, BeforeValidator(iso_only), AfterValidator(in_utc)]


class PageParams(Schema):
    limit: int = Field(100, ge=1, le=MAX_LIMIT, description=f"Rows per page, 1 to {MAX_LIMIT:,}.")
    cursor: str = Field(
        "", pattern=r"^[0-9]{0,18}$", description="Opaque: the next_cursor of the previous page; empty for the first."
    )


class ChangedSince(Schema):
    updated_since: IsoDateTime | None = Field(None, description="Only rows changed at or after this moment.")


def page_of(rows: QuerySet, params: PageParams, *, updated_since: dt.datetime | None = None) -> dict:
    if params.cursor:
        rows = rows.filter(pk__gt=int(params.cursor))
    if updated_since is not None:
        rows = rows.filter(updated_at__gte=updated_since)
    items = list(rows.order_by("pk")[: params.limit + 1])
    more = len(items) > params.limit
    items = items[: params.limit]
    return {"items": items, "next_cursor": str(items[-1].pk) if more else None}
