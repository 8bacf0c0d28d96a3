from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "ambit.dashboards"
    label = "dashboards"
