from typing import Any

from django.apps import AppConfig


def _create_strategy(sender: Any, *, organisation: Any, **kwargs: Any) -> None:
    from ambit.strategy.models import Strategy

    Strategy.objects.create(organisation=organisation)


class StrategyConfig(AppConfig):
    name = "ambit.strategy"
    label = "strategy"

    def ready(self) -> None:
        from ambit.accounts.signals import organisation_created

        # Every organisation has exactly one strategy from its first moment (see ambit.accounts.signals).
        organisation_created.connect(_create_strategy, dispatch_uid="strategy.create_strategy")
