from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Indicators for the yearly emulation assessment, from daily pre-aggregated tables (issue 9)."""

    name = "ketnoi.reports"
    label = "reports"
    verbose_name = "Reports"
