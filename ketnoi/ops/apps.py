from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running it in production: health and readiness, metrics, the data lifecycle (retention, a citizen's export
    and erasure), encryption keys and backups. Reads every other app's tables, so it sits above them all."""

    name = "ketnoi.ops"
    label = "ops"
    verbose_name = "Operations"
