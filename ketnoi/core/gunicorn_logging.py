"""gunicorn's access log without the secrets that travel in URLs (see core.redaction.redact_url): the request line,
path, query string and Referer are masked before the line is formatted. Loaded by gunicorn.conf.py at the
repository root, which gunicorn reads by itself when started there."""

from gunicorn.glogging import Logger

from .redaction import redact_text, redact_url

URL_ATOMS = ("r", "U", "q", "f", "{referer}i")
SECRET_HEADER_ATOMS = ("{authorization}i", "{x-api-key}i", "{cookie}i")


class RedactingLogger(Logger):
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
