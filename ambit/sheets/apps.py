from django.apps import AppConfig


class SheetsConfig(AppConfig):
    name = "ambit.sheets"
    label = "sheets"
