from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "ambit.strategy"
    label = "strategy"
