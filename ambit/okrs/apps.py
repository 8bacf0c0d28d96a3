from django.apps import AppConfig


class OkrsConfig(AppConfig):
    name = "ambit.okrs"
    label = "okrs"
