from django.apps import AppConfig


class RitualsConfig(AppConfig):
    name = "ambit.rituals"
    label = "rituals"
    verbose_name = "Standups, Monday commitments and Friday wins"
    default_auto_field = "django.db.models.BigAutoField"
