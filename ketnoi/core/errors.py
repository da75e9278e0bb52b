"""Errors services raise. Views and the API turn them into a clear message; nothing is half-written."""


class ApplicationError(Exception):
    def __init__(self, message: str, *, code: str = "invalid", extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


class NotPermitted(ApplicationError):
    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(message, code="not_permitted")
