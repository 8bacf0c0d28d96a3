from django.apps import AppConfig


class OneOnOnesConfig(AppConfig):
    name = "ambit.oneonones"
    label = "oneonones"
    verbose_name = "Bi-weekly 1:1s"
    default_auto_field = "django.db.models.BigAutoField"
