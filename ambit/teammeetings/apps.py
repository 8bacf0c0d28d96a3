from django.apps import AppConfig


class TeamMeetingsConfig(AppConfig):
    name = "ambit.teammeetings"
    label = "teammeetings"
    verbose_name = "Bi-weekly team check-ins"
    default_auto_field = "django.db.models.BigAutoField"
