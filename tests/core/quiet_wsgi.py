"""A WSGI app for the access-log test: 200 to anything, 500 at /boom (the log's filtering is gunicorn's logger's)."""


def app(environ, start_response):
    if environ["PATH_INFO"] == "/boom":
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
        return [b"boom"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
