"""What a producer has handled per organisation (``ProducerMark``), so a tick skips it cheaply."""

from __future__ import annotations

from ambit.notify.models import ProducerMark


def handled(organisation_id: int, producer: str, keys: list[str]) -> set[str]:
    """Which of ``keys`` this producer has handled for the organisation."""
    if not keys:
        return set()
    rows = ProducerMark.objects.filter(organisation_id=organisation_id, producer=producer, key__in=keys)
    return set(rows.values_list("key", flat=True))


def done(organisation_id: int, producer: str, key: str) -> bool:
    return bool(handled(organisation_id, producer, [key]))


def mark(organisation_id: int, producer: str, key: str) -> None:
    """Record it handled (a second scheduler recording it too is a no-op)."""
    ProducerMark.objects.bulk_create(
        [ProducerMark(organisation_id=organisation_id, producer=producer, key=key)], ignore_conflicts=True
    )
