"""The weekly reflection beside the check-in (seed 001): "what did I learn" and "what's in my way",
one per person per ISO week, both optional but at least one written.

Private: its author reads and writes it here; the author's manager reads it on the 1:1 agenda
(``ambit.oneonones.agenda`` calls :func:`reflections_since` for the report of a 1:1 it has already
checked the reader is one of the two people of). Nobody else, whatever their role, reads it on any
surface: the audit entry holds the week and the lengths, never the text, and webhooks leave
``reflection.*`` out (``ambit.hooks.events.PRIVATE_PREFIXES``)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from ambit.accounts.models import Membership
from ambit.core.audit import AuditAction, audit_record
from ambit.core.permissions import require_writer
from ambit.core.validation import clean_text
from ambit.rituals.models import WeeklyReflection
from ambit.rituals.selectors import iso_week_label, local_today, monday_of

MAX_TEXT = 2000
FIELDS = ("learned", "in_my_way")
LABELS = {"learned": "what you learned", "in_my_way": "what's in your way"}
EMPTY_MESSAGE = "Write what you learned, what's in your way, or both: an empty reflection is not saved."


def _check_week(monday: dt.date, today: dt.date) -> None:
    this_week = monday_of(today)
    if monday not in (this_week, this_week - dt.timedelta(days=7)):
        raise ValidationError(
            {
                "week": f"A reflection is written for this week ({iso_week_label(this_week)}) or last week "
                f"({iso_week_label(this_week - dt.timedelta(days=7))}), not {iso_week_label(monday)}."
            }
        )


def _clean(learned: str | None, in_my_way: str | None) -> dict[str, str]:
    values = {"learned": learned, "in_my_way": in_my_way}
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name in FIELDS:
        try:
            cleaned[name] = clean_text(values[name], field=name, label=LABELS[name], max_length=MAX_TEXT)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.message_dict[name])
    if errors:
        raise ValidationError(errors)
    if not any(cleaned.values()):
        raise ValidationError({"learned": EMPTY_MESSAGE})
    return cleaned


@transaction.atomic
def save_reflection(
    *,
    actor: Membership,
    week_start: dt.date,
    learned: str | None = "",
    in_my_way: str | None = "",
    now: dt.datetime | None = None,
) -> WeeklyReflection:
    """Save the actor's own reflection for the ISO week of ``week_start`` (this week or last),
    in place when it exists. The audit entry records the week and the lengths, never the text."""
    require_writer(actor)
    now = now or timezone.now()
    monday = monday_of(week_start)
    _check_week(monday, local_today(actor.organisation, now))
    cleaned = _clean(learned, in_my_way)
    reflection = WeeklyReflection.objects.select_for_update().filter(author=actor, week_start=monday).first()
    created = reflection is None
    if reflection is None:
        try:
            with transaction.atomic():
                reflection = WeeklyReflection.objects.create(
                    organisation_id=actor.organisation_id, author=actor, week_start=monday, created_at=now, **cleaned
                )
        except IntegrityError:  # written at the same moment from another tab: change that one
            reflection = WeeklyReflection.objects.select_for_update().get(author=actor, week_start=monday)
            created = False
    before = {name: "" if created else getattr(reflection, name) for name in FIELDS}
    changed = [name for name in FIELDS if before[name] != cleaned[name]]
    if not created:
        if not changed:
            return reflection
        for name in changed:
            setattr(reflection, name, cleaned[name])
        reflection.save(update_fields=[*changed, "updated_at"])
    changes: dict[str, list[object]] = {f"{name}_length": [len(before[name]), len(cleaned[name])] for name in changed}
    if created:
        changes["week_start"] = [None, monday.isoformat()]
    audit_record(
        actor=actor,
        organisation=actor.organisation,
        action=AuditAction.REFLECTION_SAVE,
        obj=reflection,
        changes=changes,
    )
    return reflection


# --- Reads: the author's own, and the 1:1 agenda's ----------------------------------------------


def reflection_of(*, actor: Membership, week_start: dt.date) -> WeeklyReflection | None:
    """The actor's own reflection for the week of ``week_start`` (None when not written)."""
    if not actor.is_active:
        return None
    return WeeklyReflection.objects.filter(author=actor, week_start=monday_of(week_start)).first()


def reflection_list(*, actor: Membership) -> QuerySet[WeeklyReflection]:
    """The actor's own reflections, newest week first (nobody else's, whatever their role)."""
    if not actor.is_active:
        return WeeklyReflection.objects.none()
    return WeeklyReflection.objects.filter(organisation_id=actor.organisation_id, author=actor).order_by(
        "-week_start", "-pk"
    )


def reflections_since(*, report: Membership, since: dt.date, limit: int = 6) -> list[WeeklyReflection]:
    """``report``'s reflections of the weeks since ``since`` (the week it falls in included),
    newest first, at most ``limit`` (one query). Only for the 1:1 agenda, whose caller has checked
    the reader is the report or their manager in that 1:1."""
    return list(
        WeeklyReflection.objects.filter(
            organisation_id=report.organisation_id, author=report, week_start__gte=monday_of(since)
        ).order_by("-week_start", "-pk")[:limit]
    )
