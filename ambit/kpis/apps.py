from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "ambit.kpis"
    label = "kpis"
    verbose_name = "KPIs: lasting health metrics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the "kpi-links" producer (check-ins of linked key results → readings).
        from ambit.kpis import sync  # noqa: F401
        from ambit.kpis.demo import on_demo_seeded
        from ambit.okrs.signals import demo_seeded

        # The demo's KPIs with twelve weeks of readings (seed_demo).
        demo_seeded.connect(on_demo_seeded, dispatch_uid="kpis.demo")
