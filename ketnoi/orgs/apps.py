from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "ketnoi.orgs"
    label = "orgs"
    verbose_name = "Administrative units, agencies and officials"
