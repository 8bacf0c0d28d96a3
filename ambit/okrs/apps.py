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
