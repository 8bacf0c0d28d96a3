from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ambit.people"
    label = "people"
    verbose_name = "People and teams import"
    default_auto_field = "django.db.models.BigAutoField"
