from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ambit.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Imported for its side effect: the deploy checks register.
        from ambit.core import checks  # noqa: F401
