"""Answers the way DVCQG's callers read them: `{error_code, message}` with 0 for success (a number from the
adapter, a string on the bare-array URLs, as each family of callers expects), "3" with "đã tồn tại" when a create
meets an existing dossier (the caller then sends the update), and messages containing "thành công" on success
(TD reads the progress answer as plain text)."""

from django.http import JsonResponse

OK = "0"
FAILED = "-1"
ALREADY_EXISTS = "3"
UNAUTHENTICATED = "401"


def respond(error_code: str, message: str, *, numeric: bool, status: int = 200, **extra) -> JsonResponse:
    value: int | str = int(error_code) if numeric else error_code
    # Unescaped UTF-8: TD searches the raw answer text for "thành công".
    return JsonResponse(
        {"error_code": value, "message": message, **extra}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def too_large_message(limit: int) -> str:
    return f"Gói tin quá lớn: tối đa {limit:,} byte.".replace(",", ".")


def summary(service_label: str, total: int, failed: int, existing: int) -> tuple[str, str]:
    """The error code and message for a batch: success, some already existing, or some failed."""
    done = total - failed - existing
    if failed:
        return FAILED, f"{service_label}: {done}/{total} thành công, {failed} lỗi (xem results)."
    if existing:
        return ALREADY_EXISTS, f"{existing} hồ sơ đã tồn tại, hãy gửi cập nhật. {done}/{total} thành công."
    return OK, f"{service_label}: {total}/{total} thành công."
