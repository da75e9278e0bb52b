from django.apps import AppConfig


class PipelineConfig(AppConfig):
    """The inbound pipeline: what happens to an event a person sent, from the stored webhook to the reply (#20).
    Above the domains: it calls them, in an order written out in inbound.py; nothing registers with it."""

    name = "ketnoi.pipeline"
    label = "pipeline"
    verbose_name = "Inbound pipeline"
