"""A logging filter that masks secrets, phone numbers and ID numbers in every record."""

import logging

from .redaction import redact_text


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
