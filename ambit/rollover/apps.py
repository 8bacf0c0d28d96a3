"""Rolling unfinished OKRs into the next cycle. (issue 17)."""

from django.apps import AppConfig


class RolloverConfig(AppConfig):
    name = "ambit.rollover"
    label = "rollover"
    verbose_name = "Rollover"
    default_auto_field = "django.db.models.BigAutoField"
