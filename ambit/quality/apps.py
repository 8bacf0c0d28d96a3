from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "ambit.quality"
    label = "quality"
    verbose_name = "OKR quality check and planning readiness"
    default_auto_field = "django.db.models.BigAutoField"
