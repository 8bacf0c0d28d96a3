"""Small helpers every service uses: field validation and change tracking."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from ambit.core.audit import diff, snapshot

MAX_NUMBER = Decimal("99999999999999")


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
            {field: f"“{value}” is not a number: enter the {name} as digits, e.g. 42 or 3.5."}
        ) from None
    if not number.is_finite():
        raise ValidationError({field: f"The {name} must be a finite number."})
    # 14 integer digits: SQLite keeps 15 significant digits, so anything larger could round past
    # the column's 18 digits on the way back.
    if abs(number) > MAX_NUMBER:
        raise ValidationError({field: f"The {name} is too large: keep it within ±99,999,999,999,999."})
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


def full_clean_or_raise(obj: models.Model, *, exclude: Iterable[str] = (), unique: bool = False) -> None:
    """Model validation (choices, lengths, validators), in Python only.

    Check constraints are not re-validated here: Django would run one query per constraint, and
    each service already checks those rules itself with a message that names the fix (the
    database still enforces them). ``unique`` checks unique constraints, one query each.
    """
    obj.full_clean(exclude=list(exclude), validate_unique=unique, validate_constraints=unique)
