from django.apps import AppConfig


class RitualsConfig(AppConfig):
    name = "ambit.rituals"
    label = "rituals"
    verbose_name = "Standups, Monday commitments and Friday wins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the standup and week-plan reminders with the scheduler (ambit.notify.scheduler)
        # and the "Wins of the week" section with the weekly digest (ambit.notify.digest).
        from ambit.rituals import digest, reminders  # noqa: F401
