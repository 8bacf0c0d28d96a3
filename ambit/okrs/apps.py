from django.apps import AppConfig


class OkrsConfig(AppConfig):
    name = "ambit.okrs"
    label = "okrs"

    def ready(self) -> None:
        from ambit.core import audit
        from ambit.okrs import rollups

        if rollups.on_audit not in audit.listeners:
            audit.listeners.append(rollups.on_audit)
