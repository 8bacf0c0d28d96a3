"""The cycle report as PDF and XLSX. (issue 17)."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ambit.reports"
    label = "reports"
    verbose_name = "Cycle reports"
    default_auto_field = "django.db.models.BigAutoField"
