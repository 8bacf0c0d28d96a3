"""Small helpers every service uses: field validation and change tracking."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ForeignObject

from ambit.core.audit import diff, snapshot

MAX_NUMBER = Decimal("99999999999999")
QUOTE_LIMIT = 40


def quoted(value: Any, *, limit: int = QUOTE_LIMIT) -> str:
    """``value`` in quotes for a message, cut to ``limit`` characters with "…" so a huge input
    (a 32,767-character sheet cell, a megabyte of JSON) is never echoed back whole."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"“{text}”"


def plain_number(value: Decimal | float | int) -> str:
    """A number as people write it: ``1800`` and ``0.5``, never ``1.8E+3`` (what ``normalize()`` prints)."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return str(number)
    return format(number.normalize(), "f")


def to_decimal(value: Any, *, field: str, label: str | None = None, required: bool = False) -> Decimal | None:
    """Parse a number for ``field``; a ValidationError names the field and the fix."""
    name = label or field.replace("_", " ")
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError({field: f"Enter a number for the {name}."})
        return None
    if isinstance(value, bool):
        raise ValidationError({field: f"The {name} must be a number, not true/false."})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(
            {field: f"{quoted(value)} is not a number: enter the {name} as digits, e.g. 42 or 3.5."}
        ) from None
    if not number.is_finite():
        raise ValidationError({field: f"The {name} must be a finite number."})
    # Compare without arithmetic: abs() or quantize() on "1e1000000" overflows the decimal context.
    # 14 integer digits: SQLite keeps 15 significant digits, so anything larger could round past
    # the column's 18 digits on the way back.
    if number.copy_abs().compare_total(MAX_NUMBER) > 0:
        raise ValidationError({field: f"The {name} is too large: keep it between −{MAX_NUMBER:,} and {MAX_NUMBER:,}."})
    return number.quantize(Decimal("0.0001"))


def apply_changes(obj: models.Model, fields: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, list[Any]]:
    """Set the allowed ``fields`` on ``obj``; return the audit diff of what really changed."""
    allowed = set(allowed)
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in sorted(unknown)})
    before = snapshot(obj, fields.keys())
    for name, value in fields.items():
        setattr(obj, name, value)
    after = snapshot(obj, fields.keys())
    return diff(before, after)


def lock_and_refresh(obj: models.Model) -> None:
    """Lock ``obj``'s row until the transaction ends and reload its stored values in place.

    An update service must check and diff against the row as it is now, not as the caller read
    it (a check-in may have landed since), and a concurrent writer must wait for it. Cached related
    objects whose id did not change are kept, so callers pay no extra queries for them.
    """
    concrete = obj._meta.concrete_fields
    cached = {f: f.get_cached_value(obj) for f in concrete if isinstance(f, ForeignObject) and f.is_cached(obj)}
    locked = type(obj)._base_manager.select_for_update()
    obj.refresh_from_db(fields=[f.attname for f in concrete], from_queryset=locked)
    for field, related in cached.items():
        if getattr(obj, field.attname) == getattr(related, "pk", None):
            field.set_cached_value(obj, related)


def full_clean_or_raise(obj: models.Model, *, exclude: Iterable[str] = (), unique: bool = False) -> None:
    """Model validation (choices, lengths, validators), in Python only.

    Check constraints are not re-validated here: Django would run one query per constraint, and
    each service already checks those rules itself with a message that names the fix (the
    database still enforces them). ``unique`` checks unique constraints, one query each.
    """
    obj.full_clean(exclude=list(exclude), validate_unique=unique, validate_constraints=unique)
