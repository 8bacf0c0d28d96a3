from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "ambit.planning"
    label = "planning"
    verbose_name = "Planning: approvals, the quarterly OKR meeting, publishing"
    default_auto_field = "django.db.models.BigAutoField"
