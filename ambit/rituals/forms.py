"""The pages' one-line-per-item text areas, read into service lines and written back.

A line may start with ``[n]`` to link it to the n-th of the person's active key results, listed
beside the form (keyboard-only, no widget per line): ``[2] Waiting on the data team``."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError

from ambit.okrs.models import KeyResult
from ambit.rituals.services import LineIn

_LINK = re.compile(r"^\s*\[(\d{1,3})\]\s*(.*)$")


def parse_lines(text: str, key_results: Sequence[KeyResult], *, field: str, label: str) -> list[LineIn]:
    """One ``LineIn`` per non-blank line; ``[n]`` links key result n (1-based) of ``key_results``."""
    out: list[LineIn] = []
    for raw in (text or "").splitlines():
        if not raw.strip():
            continue
        match = _LINK.match(raw)
        if match is None:
            out.append(LineIn(raw.strip()))
            continue
        number, rest = int(match.group(1)), match.group(2).strip()
        if not 1 <= number <= len(key_results):
            hint = f"1 to {len(key_results)}" if key_results else "none: you have no active key result"
            raise ValidationError({field: f"{label}: [{number}] names no key result of yours (choose {hint})."})
        out.append(LineIn(rest, key_results[number - 1].pk))
    return out


def format_lines(lines: Sequence[tuple[str, int | None]], key_results: Sequence[KeyResult]) -> str:
    """The text area's content for saved lines (the inverse of ``parse_lines``)."""
    number = {kr.pk: n for n, kr in enumerate(key_results, start=1)}
    out = []
    for text, kr_id in lines:
        out.append(f"[{number[kr_id]}] {text}" if kr_id in number else text)
    return "\n".join(out)
