"""The check-in form: one fieldset per key result, parsed into okrs.services.CheckInEntry.

Field names are prefixed ``kr-<id>-`` so one POST carries many key results. Parsing here only
turns what people type into numbers: plain decimals in the person's locale (``ambit.core.numbers``:
"1,200.5" in English, "1.200,5" in German or French, a trailing "%" on a percent key result); the
rules (binary takes 0/1, milestones belong to the key result, closed cycles take nothing) stay in
the service, whose errors are merged back next to the fields they name. A value that parses but is
implausible (``ambit.okrs.plausibility``) is held back until the person ticks "Save anyway".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from ambit.accounts.models import ConfidenceScale, Organisation
from ambit.core.numbers import (
    DEFAULT_NUMBER_LOCALE,
    NumberFormatError,
    format_plain_decimal,
    number_example,
    parse_plain_decimal,
)
from ambit.core.params import parse_id, parse_ids
from ambit.core.services import to_decimal
from ambit.okrs import engine
from ambit.okrs.metrics import KRMetrics
from ambit.okrs.models import CheckIn, KeyResult, KeyResultKind, UnitKind
from ambit.okrs.plausibility import check_in_value_concerns
from ambit.okrs.services import CheckInEntry

RAG_CHOICES = (("red", "Red"), ("yellow", "Yellow"), ("green", "Green"))


def parse_typed_number(raw: str, *, percent: bool, locale: str = DEFAULT_NUMBER_LOCALE) -> Decimal:
    """A typed value as a number: a plain decimal in ``locale``, with a trailing % on percent units."""
    text = (raw or "").strip()
    if percent and text.endswith("%"):
        text = text[:-1]
    return parse_plain_decimal(text, locale=locale)


def _fmt(value: Decimal | float | None, locale: str = DEFAULT_NUMBER_LOCALE) -> str:
    if value is None:
        return ""
    return format_plain_decimal(Decimal(str(value)), locale=locale)


@dataclass
class CheckInRow:
    """One key result's fieldset: what to show, what was typed, and what is wrong."""

    kr: KeyResult
    km: KRMetrics | None
    scale: str
    value: str = ""
    milestones_done: set[int] = field(default_factory=set)
    confidence: str = ""
    note: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    locale: str = DEFAULT_NUMBER_LOCALE
    # Check-ins this form may correct (offered on the quick check-in only), newest first.
    history: list[CheckIn] = field(default_factory=list)
    corrects: str = ""
    # Ticked "Save anyway": an implausible value is recorded as typed.
    confirmed: bool = False
    concerns: list[str] = field(default_factory=list)
    # A check-in is due this period: such a row is recorded even when left as it was.
    due: bool = False

    @property
    def prefix(self) -> str:
        return f"kr-{self.kr.pk}"

    @property
    def kind(self) -> str:
        return str(self.kr.kind)

    @property
    def is_value_kind(self) -> bool:
        return self.kind not in (KeyResultKind.MILESTONES, KeyResultKind.BINARY)

    @property
    def is_percent(self) -> bool:
        return self.kr.unit_kind == UnitKind.PERCENT or self.kr.unit.strip() == "%"

    @property
    def start_display(self) -> str:
        return _fmt(self.kr.start_value, self.locale)

    @property
    def target_display(self) -> str:
        return _fmt(self.kr.target_value, self.locale)

    @property
    def current_display(self) -> str:
        return _fmt(self.kr.current_value, self.locale)

    @property
    def number_example(self) -> str:
        return number_example(self.locale)

    def history_label(self, check_in: CheckIn) -> str:
        """How a check-in is named in the "corrects" choice: its date and what it recorded."""
        if check_in.value is not None:
            what = f"{_fmt(check_in.value, self.locale)} {self.kr.unit}".strip()
        else:
            what = f"{len(check_in.milestones_done or [])} milestones done"
        return f"{timezone.localtime(check_in.created_at):%d %b %Y %H:%M}: {what}"

    @property
    def correction_choices(self) -> list[tuple[str, str]]:
        return [(str(c.pk), self.history_label(c)) for c in self.history]

    @property
    def milestones(self) -> list[Any]:
        return list(self.kr.milestones.all())

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def first_field_id(self, name: str) -> str:
        """The id of the control an error about ``name`` should link to."""
        if name == "milestones_done":
            ms = self.milestones
            return f"{self.prefix}-milestone-{ms[0].pk}" if ms else f"{self.prefix}-fieldset"
        if name == "value" and self.kind == KeyResultKind.BINARY:
            return f"{self.prefix}-value-1"
        if name == "confidence" and self.scale == ConfidenceScale.RAG:
            return f"{self.prefix}-confidence-red"
        if name in ("value", "confidence", "note", "corrects"):
            return f"{self.prefix}-{name}"
        return f"{self.prefix}-fieldset"

    def error_list(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    @property
    def value_errors(self) -> list[str]:
        return self.error_list("value")

    @property
    def milestone_errors(self) -> list[str]:
        return self.error_list("milestones_done")

    @property
    def confidence_errors(self) -> list[str]:
        return self.error_list("confidence")

    @property
    def note_errors(self) -> list[str]:
        return self.error_list("note")

    @property
    def corrects_errors(self) -> list[str]:
        return self.error_list("corrects")

    @property
    def other_errors(self) -> list[str]:
        known = {"value", "milestones_done", "confidence", "note", "corrects"}
        return [m for k, msgs in self.errors.items() if k not in known for m in msgs]

    def changed(self) -> bool:
        """Did the person touch this row? (Rows not due are only recorded when they did.)"""
        if self.note.strip():
            return True
        if self.confidence != self.initial_confidence():
            return True
        if self.kind == KeyResultKind.MILESTONES:
            return self.milestones_done != set(self.kr.current_milestones_done or [])
        return self.value.strip() != self.initial_value()

    def initial_value(self) -> str:
        if self.kind == KeyResultKind.BINARY:
            return "1" if self.kr.current_value == 1 else ("0" if self.kr.current_value is not None else "")
        return _fmt(self.kr.current_value, self.locale)

    def initial_confidence(self) -> str:
        shown = engine.to_scale(self.kr.current_confidence, self.scale)
        return str(shown)


def build_rows(
    *,
    key_results: Iterable[KeyResult],
    metrics: Mapping[int, KRMetrics],
    organisation: Organisation,
    locale: str = DEFAULT_NUMBER_LOCALE,
    history: Mapping[int, list[CheckIn]] | None = None,
    due: Mapping[int, bool] | None = None,
) -> list[CheckInRow]:
    """One row per key result, filled with its current values; ``history`` (per key result) are
    the check-ins the form offers to correct. Whether a row is due comes from its metrics, or from
    ``due`` where no metrics were computed (the submit validates without them)."""
    rows = []
    for kr in key_results:
        row = CheckInRow(
            kr=kr,
            km=metrics.get(kr.pk),
            scale=organisation.confidence_scale,
            locale=locale,
            history=list((history or {}).get(kr.pk, [])),
        )
        row.due = row.km.due if row.km is not None else (due or {}).get(kr.pk, False)
        row.value = row.initial_value()
        row.milestones_done = set(kr.current_milestones_done or [])
        row.confidence = row.initial_confidence()
        rows.append(row)
    return rows


class CheckInForm:
    """Bind POST data to rows, parse them, and collect every error before anything is saved."""

    def __init__(self, rows: Sequence[CheckInRow], data: Mapping[str, Any] | None = None) -> None:
        self.rows = list(rows)
        self.data = data
        self._entries: list[CheckInEntry] = []
        if data is not None:
            for row in self.rows:
                p = row.prefix
                row.value = str(data.get(f"{p}-value", "") or "")
                getlist = getattr(data, "getlist", None)
                raw_ms = getlist(f"{p}-milestones") if getlist else data.get(f"{p}-milestones", [])
                row.milestones_done = parse_ids(raw_ms)
                row.confidence = str(data.get(f"{p}-confidence", "") or "").strip()
                row.note = str(data.get(f"{p}-note", "") or "")
                row.corrects = str(data.get(f"{p}-corrects", "") or "").strip()
                row.confirmed = data.get(f"{p}-confirm") == "1"

    @property
    def is_bound(self) -> bool:
        return self.data is not None

    def _parse(self, row: CheckInRow) -> CheckInEntry:
        entry = CheckInEntry(key_result=row.kr, note=row.note.strip())
        if row.kind == KeyResultKind.MILESTONES:
            entry.milestones_done = sorted(row.milestones_done)
        elif row.kind == KeyResultKind.BINARY:
            if row.value not in ("0", "1"):
                row.errors.setdefault("value", []).append("Choose done or not done.")
            else:
                entry.value = Decimal(row.value)
        else:
            entry.value = self._parse_value(row)
        entry.corrects = self._parse_corrects(row)
        try:
            entry.confidence = engine.from_scale(row.confidence, row.scale)
        except ValueError:
            row.errors.setdefault("confidence", []).append(_confidence_help(row.scale))
        return entry

    @staticmethod
    def _parse_value(row: CheckInRow) -> Decimal | None:
        """The typed value, or None with the reason on the row. An implausible value needs the
        row's "Save anyway" tick: it is then recorded as typed."""
        if not row.value.strip():
            row.errors.setdefault("value", []).append("Enter a number for the new value.")
            return None
        try:
            number = to_decimal(
                parse_typed_number(row.value, percent=row.is_percent, locale=row.locale),
                field="value",
                label="new value",
                required=True,
            )
        except NumberFormatError as exc:
            row.errors.setdefault("value", []).append(exc.message)
            return None
        except ValidationError as exc:
            row.errors.setdefault("value", []).extend(exc.message_dict["value"])
            return None
        assert number is not None  # required=True
        unit = row.kr.unit.strip()
        row.concerns = check_in_value_concerns(
            row.kr, number, shown=lambda d: f"{_fmt(d, row.locale)}{'' if unit == '%' else ' '}{unit}".strip()
        )
        if row.concerns and not row.confirmed:
            row.errors.setdefault("value", []).extend(
                [*row.concerns, "Check the value, or tick “Save anyway” to record it as typed."]
            )
        return number

    @staticmethod
    def _parse_corrects(row: CheckInRow) -> CheckIn | None:
        """The earlier check-in this one corrects: one of the row's offered check-ins, or none."""
        if not row.corrects:
            return None
        chosen = next((c for c in row.history if str(c.pk) == row.corrects), None)
        if chosen is None:
            row.errors.setdefault("corrects", []).append("Choose one of this key result's own check-ins to correct.")
        return chosen

    def is_valid(self, *, only_changed_unless_due: bool = False) -> bool:
        """Parse every row; rows that are not due and untouched are skipped when asked."""
        self._entries = []
        for row in self.rows:
            row.errors = {}
            if only_changed_unless_due and not row.due and not row.changed():
                continue
            entry = self._parse(row)
            if not row.errors:
                self._entries.append(entry)
        return not self.errors

    @property
    def entries(self) -> list[CheckInEntry]:
        return self._entries

    def add_service_errors(self, errors: Mapping[str, Sequence[str]]) -> None:
        """Attach check_in_many's ``"<kr id>.<field>"`` errors to their rows."""
        by_id = {row.kr.pk: row for row in self.rows}
        for key, messages in errors.items():
            kr_id, _, name = key.partition(".")
            row = by_id.get(parse_id(kr_id) or 0)
            if row is None:
                continue
            row.errors.setdefault(name or "key_result", []).extend(messages)

    @property
    def errors(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary, in page order."""
        out = []
        for row in self.rows:
            for name, messages in row.errors.items():
                for message in messages:
                    out.append((row.first_field_id(name), f"{row.kr.title}: {message}"))
        return out


def _confidence_help(scale: str) -> str:
    if scale == ConfidenceScale.RAG:
        return "Choose red, yellow or green for your confidence."
    if scale == ConfidenceScale.ZERO_ONE:
        return "Enter your confidence as a number from 0.0 to 1.0, e.g. 0.7."
    return "Enter your confidence as a whole number from 0 to 10, e.g. 7."
