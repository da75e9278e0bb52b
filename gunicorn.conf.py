"""gunicorn reads this file by itself when started from the repository root (Procfile.dev, the README's command):
the access log masks the secrets that travel in URLs (ketnoi.core.gunicorn_logging)."""

logger_class = "ketnoi.core.gunicorn_logging.RedactingLogger"
