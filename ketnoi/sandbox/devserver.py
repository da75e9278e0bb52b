"""Zalo's headers have underscores (`access_token`, `secret_key`, `num_retry`). Django's development and test
server drops every header with an underscore (as nginx does by default), so requests to the sandbox would lose
them. While the sandbox is installed (development and tests only), keep these few names. Under gunicorn the
same needs `--header-map dangerous`."""

from django.core.servers import basehttp

KEPT_HEADERS = frozenset({"access_token", "secret_key", "appsecret_proof", "num_retry"})


def keep_zalo_headers() -> None:
    handler = basehttp.WSGIRequestHandler
    if getattr(handler, "_sandbox_keeps_zalo_headers", False):
        return
    original = handler.get_environ

    def get_environ(self):
        kept = [(name, value) for name, value in self.headers.items() if name.lower() in KEPT_HEADERS]
        for name, _ in kept:
            del self.headers[name]
        environ = original(self)
        for name, value in kept:
            environ["HTTP_" + name.upper()] = value
        return environ

    handler.get_environ = get_environ
    handler._sandbox_keeps_zalo_headers = True
