"""A WSGI app that answers 200 to anything: the access log's masking is gunicorn's, not the app's."""


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
