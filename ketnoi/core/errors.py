"""Errors services raise. Views and the API turn them into a clear message; nothing is half-written.

Messages are translated where they are raised (`gettext`), in the language of the request or of the
`translation.override` a job or the chat sets; the integration API answers in English."""

from django.utils.translation import gettext


class ApplicationError(Exception):
    def __init__(self, message: str, *, code: str = "invalid", extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


class NotPermitted(ApplicationError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or gettext("You are not allowed to do this."), code="not_permitted")
