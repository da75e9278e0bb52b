from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ketnoi.accounts"
    label = "accounts"
    verbose_name = "Officials' accounts: invitations, passwords, second factor, sessions"
