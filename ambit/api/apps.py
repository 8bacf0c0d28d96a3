from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ambit.api"
    label = "api"
