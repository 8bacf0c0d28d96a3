from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ambit.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Imported for their side effects: the deploy checks register, the SQLite pragmas connect.
        from ambit.core import checks, db  # noqa: F401
