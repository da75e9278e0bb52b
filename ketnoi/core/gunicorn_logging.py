"""gunicorn's access log without the secrets that travel in URLs (see core.redaction.redact_url): the request line,
path, query string and Referer are masked before the line is formatted; polls that went well and the favicon are
left out. Loaded by gunicorn.conf.py at the
repository root, which gunicorn reads by itself when started there."""

from gunicorn.glogging import Logger

from .redaction import redact_text, redact_url

URL_ATOMS = ("r", "U", "q", "f", "{referer}i")
SECRET_HEADER_ATOMS = ("{authorization}i", "{x-api-key}i", "{cookie}i")


QUIET_PATHS = frozenset({"/favicon.ico"})
POLL_HEADER = "X-POLL"  # htmx polling elements send it (hx-headers='{"X-Poll": "1"}')


def is_quiet(status: int, method: str, path: str, headers) -> bool:
    """A poll that went well, or the favicon: routine traffic that would bury everything else in the access log
    (the sandbox phone alone polls every 1.5 s). Failures are always logged."""
    if status >= 400 or method != "GET":
        return False
    return path in QUIET_PATHS or any(name.upper() == POLL_HEADER for name, _value in headers)


class RedactingLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if is_quiet(resp.status_code or 0, req.method, req.path, req.headers):
            return
        super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in URL_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_url(atoms[name])
        for name in SECRET_HEADER_ATOMS:
            if atoms.get(name):
                atoms[name] = "[redacted]"
        return atoms

    def error(self, msg, *args, **kwargs):
        super().error(redact_text(str(msg)), *args, **kwargs)
