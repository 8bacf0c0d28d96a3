"""Background work of the notifications (django-tasks; see ``ambit.okrs.tasks`` for the backends).

``deliver`` is idempotent: it claims its delivery by a conditional UPDATE, so a task enqueued twice
(by the producer on commit and again by the scheduler's sweep) sends once. ``deliver_batch`` does
the same for up to :data:`BATCH` deliveries: a weekly digest to 10,000 people is 200 task rows,
not 10,000 (each still claimed, sent and recorded on its own)."""

from __future__ import annotations

from django_tasks import task

from ambit.notify.delivery import deliver_now


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery on its channel; returns its status after ("" when another worker has it,
    it was sent already, or it waits for its back-off)."""
    return deliver_now(delivery_id)


BATCH = 50


@task()
def deliver_batch(delivery_ids: list[int]) -> dict[str, int]:
    """Send each of ``delivery_ids`` as :func:`deliver` does; returns how many ended in each status.
    One delivery's failure is recorded on it and does not stop the others."""
    out: dict[str, int] = {}
    for delivery_id in delivery_ids:
        status = deliver_now(delivery_id) or "not claimed"
        out[status] = out.get(status, 0) + 1
    return out
