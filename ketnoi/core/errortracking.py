"""Optional error tracking with sentry-sdk, switched on by SENTRY_DSN. Nothing personal leaves: no default PII
(addresses, cookies, users), request bodies are not sent, and every message, breadcrumb and URL passes through the
same masking as the logs (core.redaction)."""

from typing import Any

from .redaction import redact_text


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def scrub_event(event: dict, _hint: dict | None = None) -> dict:
    request = event.get("request") or {}
    for secret in ("cookies", "data", "headers"):
        request.pop(secret, None)
    return _scrub(event)


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_breadcrumb=lambda crumb, _hint: _scrub(crumb),
    )
