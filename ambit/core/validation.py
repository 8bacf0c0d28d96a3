"""The limits and text rules every surface shares: web forms, the API, the sheet import, the admin.

Services call these; the API's schemas and the sheet reader read the same constants, so a value
refused on one surface is refused on every other with the same message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

# Lengths of free text (characters). Titles and names follow their columns.
MAX_TITLE = 300
MAX_NAME = 150
MAX_LONG_TEXT = 10_000  # descriptions, notes, comments
MAX_REASON = 2_000  # cancel reasons, score notes
MAX_WEIGHT = 1000  # weights of key results and alignment links
# Shorter columns: their own limits, still one constant each for every surface.
MAX_CYCLE_NAME = 80
MAX_UNIT = 24
MAX_VALUE_NAME = 120
MAX_BIG_MOVE_TITLE = 200

# C0 controls except tab, newline and carriage return; DEL; C1 controls. NUL can't be stored by
# PostgreSQL, the others can't be written to XLSX and make no sense in a title or a note.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def control_characters(value: str, *, single_line: bool = False) -> list[str]:
    """The control characters in ``value`` (as ``U+0000`` labels), empty when it is clean."""
    pattern = _CONTROL_SINGLE_LINE if single_line else _CONTROL
    return sorted({f"U+{ord(c):04X}" for c in pattern.findall(value)})


def clean_text(
    value: Any,
    *,
    field: str,
    label: str | None = None,
    max_length: int,
    required: bool = False,
    single_line: bool = False,
) -> str:
    """Text for ``field``: stripped, within ``max_length``, free of control characters.

    Raises ValidationError keyed by ``field`` with a message that says what is wrong and how to fix
    it, without echoing the value back (it may be megabytes long).
    """
    name = label or field.replace("_", " ")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: f"The {name} must be text."})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError({field: f"The {name} is not valid Unicode text: retype it."}) from None
    bad = control_characters(value, single_line=single_line)
    if bad:
        raise ValidationError(
            {field: f"The {name} contains control characters ({', '.join(bad[:3])}): remove them and try again."}
        )
    text = value.strip()
    if required and not text:
        raise ValidationError({field: f"Enter the {name}."})
    if len(text) > max_length:
        raise ValidationError({field: f"The {name} is {len(text):,} characters long: keep it within {max_length:,}."})
    return text


def check_weight(value: Any, *, field: str = "weight", label: str = "weight") -> float:
    """A weight above 0 and at most MAX_WEIGHT."""
    if isinstance(value, bool) or value is None:
        raise ValidationError({field: f"The {label} must be a number above 0 (1 is the default)."})
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError({field: f"The {label} must be a number above 0 (1 is the default)."}) from None
    if not (number > 0) or number != number:
        raise ValidationError({field: f"The {label} must be above 0 (1 is the default)."})
    if number > MAX_WEIGHT:
        raise ValidationError({field: f"The {label} must be at most {MAX_WEIGHT:,} (1 is the default)."})
    return number


@dataclass(frozen=True)
class TextRule:
    """How one free-text field is cleaned: its limit, label, and whether it may be empty or span lines."""

    max_length: int
    label: str | None = None
    required: bool = False
    single_line: bool = False


def clean_texts(values: Mapping[str, Any], rules: Mapping[str, TextRule]) -> dict[str, Any]:
    """``values`` with every field named in ``rules`` cleaned by ``clean_text``; others untouched.

    Services call this on their keyword arguments (or an update's ``**fields``) so every surface
    gets the same rule. All fields are checked before raising, so a form shows every mistake at once.
    """
    cleaned = dict(values)
    errors: dict[str, list[str]] = {}
    for name, rule in rules.items():
        if name not in values:
            continue
        try:
            cleaned[name] = clean_text(
                values[name],
                field=name,
                label=rule.label,
                max_length=rule.max_length,
                required=rule.required,
                single_line=rule.single_line,
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return cleaned
