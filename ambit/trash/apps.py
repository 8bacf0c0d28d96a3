"""Deleted objectives, key results, KPIs and initiatives, kept 30 days and restorable. (issue 17)."""

from django.apps import AppConfig


class TrashConfig(AppConfig):
    name = "ambit.trash"
    label = "trash"
    verbose_name = "Trash"
    default_auto_field = "django.db.models.BigAutoField"
