from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "ambit.front"
    label = "front"
