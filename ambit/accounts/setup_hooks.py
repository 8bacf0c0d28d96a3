"""What the set-up pages need from the apps above ``accounts``, without importing them.

``accounts`` sits below ``okrs`` (see ``accounts.signals``): the wizard and the charter page
cannot call ``okrs.services`` directly. ``okrs`` registers a ``CyclePlanner`` in its
``AppConfig.ready``; these pages ask it for the charter's periods and to create a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ambit.accounts.models import Membership, Organisation


@dataclass(frozen=True)
class PeriodChoice:
    key: str  # "current" or "next"
    name: str
    label: str  # the name with its dates, for a radio button
    exists: bool  # a cycle of that name is already there


class CyclePlanner(Protocol):
    def choices(self, organisation: Organisation) -> list[PeriodChoice]:
        """The charter's current and next period (fiscal-year start and cycle cadence)."""
        ...

    def create(self, actor: Membership, key: str) -> str:
        """Create the cycle for the ``key`` period (inside its annual cycle); returns its name."""
        ...

    def cycle_count(self, organisation: Organisation) -> int: ...


_planner: CyclePlanner | None = None


def register_cycle_planner(planner: CyclePlanner) -> None:
    global _planner
    _planner = planner


def cycle_planner() -> CyclePlanner:
    if _planner is None:  # pragma: no cover - okrs is always installed
        raise RuntimeError("No cycle planner registered: is ambit.okrs in INSTALLED_APPS?")
    return _planner
