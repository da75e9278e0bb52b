"""Zalo error codes (reference §3.4, §5) -> what the outbox should do next."""

from ketnoi.channels.types.base import ErrorKind, SendError

from . import assumptions
from .client import ZaloApiError, ZaloTransportError

ERROR_KINDS: dict[int, ErrorKind] = {
    -32: ErrorKind.RATE_LIMITED,  # app or OA reached its call limit
    -100: ErrorKind.PERMANENT,  # attachment expired: re-upload (a new message)
    -108: ErrorKind.UNREACHABLE,  # invalid phone (template by phone)
    -118: ErrorKind.UNREACHABLE,  # no Zalo account for this phone (ZNS; unconfirmed, sandbox/conf.py)
    -124: ErrorKind.CREDENTIALS_EXPIRED,
    -201: ErrorKind.PERMANENT,  # a field is invalid
    -204: ErrorKind.PERMANENT,  # OA disabled
    -205: ErrorKind.PERMANENT,  # OA does not exist
    -209: ErrorKind.PERMANENT,  # app not activated / api not supported
    -211: ErrorKind.RATE_LIMITED,  # out of quota
    -212: ErrorKind.PERMANENT,  # app has not registered this api
    -213: ErrorKind.UNREACHABLE,  # not a follower
    -216: ErrorKind.CREDENTIALS_EXPIRED,
    -217: ErrorKind.UNREACHABLE,  # blocked invitations
    -218: ErrorKind.UNREACHABLE,  # person's receive quota used up
    -220: ErrorKind.CREDENTIALS_EXPIRED,
    -221: ErrorKind.PERMANENT,  # OA needs verification
    -223: ErrorKind.PERMANENT,  # OA has not authorised this api
    -224: ErrorKind.PERMANENT,  # OA tier upgrade needed
    -227: ErrorKind.UNREACHABLE,  # person banned or inactive > 45 days
    -230: ErrorKind.UNREACHABLE,  # outside the 7-day window
    -232: ErrorKind.UNREACHABLE,  # outside the window
    -234: ErrorKind.RETRYABLE,  # night ban: allowed again in the morning
    -240: ErrorKind.PERMANENT,  # v2 messages shut down
    -242: ErrorKind.PERMANENT,  # invalid appsecret_proof
    -244: ErrorKind.UNREACHABLE,  # person restricted this message type
    -248: ErrorKind.PERMANENT,  # content policy violation
    -249: ErrorKind.PERMANENT,  # template does not support UID
    -320: ErrorKind.PERMANENT,  # app needs a Zalo Cloud Account
    -321: ErrorKind.PERMANENT,  # Zalo Cloud Account out of money
}


def classify(exc: Exception) -> SendError:
    if isinstance(exc, SendError):
        return exc
    if isinstance(exc, ZaloTransportError):
        return SendError(ErrorKind.RETRYABLE, str(exc))
    if isinstance(exc, ZaloApiError):
        kind = ERROR_KINDS.get(exc.code, ErrorKind.PERMANENT)
        retry_after = assumptions.rate_limit_pause_seconds() if kind == ErrorKind.RATE_LIMITED else None
        return SendError(kind, f"Zalo {exc.code}: {exc.message}", provider_code=str(exc.code), retry_after=retry_after)
    raise exc
