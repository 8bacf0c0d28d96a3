from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "ambit.dashboards"
    label = "dashboards"

    def ready(self) -> None:
        from ambit.dashboards import refresh

        refresh.register()  # the views the background worker refreshes (``kept``)
