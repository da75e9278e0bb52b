"""The HTTP status of each refusal a service raises (ApplicationError.code), in one table.

A request that matches the OpenAPI schema is refused only for what the schema cannot say: 404 when it names
something that does not exist or that the client cannot see, 409 when it conflicts with what is stored, 403 when
it reaches outside the client's unit. 422 is kept for requests that do not match the schema, 413 for size limits, 429 for a sending service's daily limit;
400 is what is left (a value the service checks beyond its declared type)."""

NOT_FOUND = frozenset(
    {
        "not_found",
        "unknown_procedure",
        "unknown_agency",
        "unknown_desk",
        "unknown_category",
        "unknown_unit",
        "unknown_template",
        "unknown_recipient",
    }
)
CONFLICT = frozenset(
    {
        "duplicate_code",
        "foreign_dossier",
        "closed",
        "merge_closed",
        "inactive_agency",
        "inactive_category",
        "unit_not_current",
        "code_exhausted",
    }
)
FORBIDDEN = frozenset({"not_permitted", "area_out_of_unit", "assignee_out_of_scope", "team_key_recipient"})
TOO_MANY = frozenset({"daily_limit_reached"})
TOO_LARGE = frozenset({"batch_too_large", "too_large"})


def for_code(code: str) -> int:
    if code in NOT_FOUND:
        return 404
    if code in CONFLICT:
        return 409
    if code in FORBIDDEN:
        return 403
    if code in TOO_LARGE:
        return 413
    if code in TOO_MANY:
        return 429
    return 400
