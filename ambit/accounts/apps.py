from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ambit.accounts"
    label = "accounts"
