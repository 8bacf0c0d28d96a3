from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "ambit.chat"
    label = "chat"
    verbose_name = "Slack and Microsoft Teams"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the "chat" producer with the scheduler (ambit.notify.scheduler).
        from ambit.chat import producer  # noqa: F401
