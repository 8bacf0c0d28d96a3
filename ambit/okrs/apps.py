from typing import Any

from django.apps import AppConfig


def _refresh_all_rollups(sender: Any, *, organisation: Any, **kwargs: Any) -> None:
    from ambit.okrs import rollups

    rollups.schedule_organisation(organisation)


def _refresh_restored(sender: Any, *, organisation_id: int, rows: dict[str, list[Any]], **kwargs: Any) -> None:
    """Objectives, key results, alignments or counted initiatives came back from the trash (issue 17): recompute
    their objectives' stored roll-ups and those that read them, on commit."""
    from ambit.okrs import rollups
    from ambit.okrs.models import Alignment, KeyResult, Objective

    ids = set(rows.get("okrs.Objective", []))
    ids |= set(KeyResult.objects.filter(pk__in=rows.get("okrs.KeyResult", [])).values_list("objective_id", flat=True))
    links = Alignment.objects.filter(pk__in=rows.get("okrs.Alignment", [])).values_list("child_id", "parent_id")
    ids |= {pk for pair in links for pk in pair}
    if rows.get("initiatives.Initiative"):
        # Initiatives back under a key result that counts them move its progress (issue 16).
        counting = KeyResult.objects.filter(
            progress_from_initiatives=True, initiatives__pk__in=rows["initiatives.Initiative"]
        )
        ids |= set(counting.values_list("objective_id", flat=True))
    for objective in Objective.objects.filter(pk__in=ids, organisation_id=organisation_id):
        rollups.schedule_objective(objective)


def _refuse_into_closed_cycle(sender: Any, *, organisation_id: int, rows: dict[str, list[Any]], **kwargs: Any) -> None:
    """A closed cycle's results are locked (issue 17): nothing comes back into it from the trash.
    Raised inside the restore's transaction, so nothing is written."""
    from ambit.core.errors import Conflict
    from ambit.okrs.models import CycleState, KeyResult, Objective

    ids = set(rows.get("okrs.Objective", []))
    ids |= set(KeyResult.objects.filter(pk__in=rows.get("okrs.KeyResult", [])).values_list("objective_id", flat=True))
    closed = (
        Objective.objects.filter(organisation_id=organisation_id, pk__in=ids, cycle__state=CycleState.CLOSED)
        .select_related("cycle")
        .first()
    )
    if closed is not None:
        raise Conflict(
            f"{closed.cycle.name} is closed, so its results are locked: an admin can reopen the cycle from "
            "its Close page, then restore this."
        )


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

        from ambit.trash.signals import restored

        # What comes back from the trash needs its roll-ups again (ambit.trash.signals).
        restored.connect(_refuse_into_closed_cycle, dispatch_uid="okrs.refuse_into_closed_cycle")
        restored.connect(_refresh_restored, dispatch_uid="okrs.refresh_restored")
