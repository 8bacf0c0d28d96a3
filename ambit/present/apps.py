"""Presentation mode for the all-hands, shareable read-only links, the quarter's wins. (issue 17)."""

from django.apps import AppConfig


class PresentConfig(AppConfig):
    name = "ambit.present"
    label = "present"
    verbose_name = "Presentation"
    default_auto_field = "django.db.models.BigAutoField"
