from django.apps import AppConfig


class InitiativesConfig(AppConfig):
    name = "ambit.initiatives"
    label = "initiatives"
    verbose_name = "Initiatives and sprint planning"
    default_auto_field = "django.db.models.BigAutoField"
