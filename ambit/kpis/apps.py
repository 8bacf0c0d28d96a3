from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "ambit.kpis"
    label = "kpis"
    verbose_name = "KPIs: lasting health metrics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the "kpi-links" producer (check-ins of linked key results → readings).
        from ambit.kpis import sync  # noqa: F401
