from typing import Any

from django.apps import AppConfig


def _refresh_all_rollups(sender: Any, *, organisation: Any, **kwargs: Any) -> None:
    from ambit.okrs import rollups

    rollups.schedule_organisation(organisation)


class OkrsConfig(AppConfig):
    name = "ambit.okrs"
    label = "okrs"

    def ready(self) -> None:
        from ambit.accounts.signals import child_blend_changed

        # A new charter blend moves every objective's progress (see ambit.accounts.signals).
        child_blend_changed.connect(_refresh_all_rollups, dispatch_uid="okrs.refresh_all_rollups")

        from ambit.accounts.setup_hooks import register_cycle_planner
        from ambit.okrs.services.periods import CharterCyclePlanner

        # The set-up wizard and charter page create cycles from the charter's calendar (issue 15).
        register_cycle_planner(CharterCyclePlanner())
