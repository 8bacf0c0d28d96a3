from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ambit.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from ambit.core import db  # noqa: F401  (connects the SQLite pragmas)
