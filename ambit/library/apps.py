from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "ambit.library"
    label = "library"
    verbose_name = "OKR templates"
    default_auto_field = "django.db.models.BigAutoField"
