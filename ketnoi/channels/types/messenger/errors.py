"""Messenger error codes (the Messenger Platform's common error codes) -> what the outbox should do next, as the
Zalo adapter classifies Zalo's: try again, reconnect the page (its token), or give up on this way of reaching the
person (the outbox then tries SMS)."""

from ketnoi.channels.types.base import ErrorKind, SendError

from . import assumptions
from .client import MessengerApiError, MessengerTransportError

# (code, subcode) first, then code alone.
ERROR_KINDS: dict[tuple[int, int | None], ErrorKind] = {
    (1, None): ErrorKind.RETRYABLE,  # unknown error
    (2, None): ErrorKind.RETRYABLE,  # temporary: "please retry your request later"
    (1200, None): ErrorKind.RETRYABLE,  # temporary send message failure
    (4, None): ErrorKind.RATE_LIMITED,  # application request limit reached
    (17, None): ErrorKind.RATE_LIMITED,  # user request limit reached
    (32, None): ErrorKind.RATE_LIMITED,  # page request limit reached
    (613, None): ErrorKind.RATE_LIMITED,  # calls to this API exceeded the rate limit
    (190, None): ErrorKind.CREDENTIALS_EXPIRED,  # invalid OAuth access token: the page must be reconnected
    (102, None): ErrorKind.CREDENTIALS_EXPIRED,  # session key invalid
    (10, 2018278): ErrorKind.UNREACHABLE,  # sent outside the allowed window
    (10, 2018065): ErrorKind.UNREACHABLE,  # outside the window (news messaging permission)
    (10, None): ErrorKind.PERMANENT,  # permission denied
    (200, None): ErrorKind.PERMANENT,  # permissions error (pages_messaging)
    (230, None): ErrorKind.PERMANENT,  # the pages_messaging permission is missing or revoked
    (551, None): ErrorKind.UNREACHABLE,  # this person isn't available right now (blocked the page, left)
    (100, 2018001): ErrorKind.UNREACHABLE,  # no matching user found
    (100, 2018109): ErrorKind.PERMANENT,  # attachment size exceeds the limit
    (100, None): ErrorKind.PERMANENT,  # invalid parameter
}


def kind_of(code: int, subcode: int) -> ErrorKind:
    return ERROR_KINDS.get((code, subcode)) or ERROR_KINDS.get((code, None)) or ErrorKind.PERMANENT


def classify(exc: Exception) -> SendError:
    if isinstance(exc, SendError):
        return exc
    if isinstance(exc, MessengerTransportError):
        return SendError(ErrorKind.RETRYABLE, f"Messenger: {exc}")
    if isinstance(exc, MessengerApiError):
        kind = kind_of(exc.code, exc.subcode)
        if exc.http_status >= 500 and kind == ErrorKind.PERMANENT:
            kind = ErrorKind.RETRYABLE
        if exc.code in assumptions.TOKEN_ERROR_CODES:
            kind = ErrorKind.CREDENTIALS_EXPIRED
        code = f"{exc.code}/{exc.subcode}" if exc.subcode else str(exc.code)
        retry_after = 60.0 if kind == ErrorKind.RATE_LIMITED else None
        return SendError(kind, f"Messenger {code}: {exc.message}"[:300], provider_code=code, retry_after=retry_after)
    raise exc
