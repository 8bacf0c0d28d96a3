"""The words and patterns behind the quality rules (``quality.py``): what reads as a task, as a
number, and when two key result titles say the same thing. Pure text functions, no Django."""

from __future__ import annotations

import difflib
import re
from typing import Final

# Normalised titles this similar (difflib ratio) or sharing this share of words are duplicates.
DUPLICATE_SIMILARITY: Final = 0.85
DUPLICATE_JACCARD: Final = 0.8
# Two key results on the same metric (this share of metric words, same unit) moving opposite ways compete.
COMPETING_JACCARD: Final = 0.6
TASK_VERBS: Final[tuple[str, ...]] = (
    "launch",
    "implement",
    "build",
    "release",
    "ship",
    "create",
    "migrate",
    "deploy",
    "complete",
    "finish",
    "set up",
    "setup",
    "write",
    "design",
    "develop",
    "hire",
    "install",
    "introduce",
    "roll out",
    "rollout",
    "deliver",
    "organise",
    "organize",
    "publish",
    "define",
    "document",
    "integrate",
    "refactor",
    "redesign",
    "upgrade",
    "add",
)
_TASK_VERB_FORMS: Final = tuple(
    sorted(
        {form for verb in TASK_VERBS for form in (verb, verb + "s", verb + "ed", verb + "ing")}, key=len, reverse=True
    )
)
_TASK_AT_START = re.compile(r"^\s*(?:" + "|".join(re.escape(v) for v in _TASK_VERB_FORMS) + r")\b", re.IGNORECASE)
TASK_ANYWHERE = re.compile(r"\b(?:" + "|".join(re.escape(v) for v in _TASK_VERB_FORMS) + r")\b", re.IGNORECASE)
DIGIT = re.compile(r"\d")
# A number as the core of an objective: money, a percentage, a magnitude, or a bare number that
# is not a year or a period name (Q3, H1, 2026).
_MONEY = re.compile(r"[$€£¥₹]\s*\d|\d\s*(?:[$€£¥₹]|\b(?:eur|usd|gbp|chf|dollars?|euros?|pounds?)\b)", re.IGNORECASE)
_PERCENT = re.compile(r"\d\s*(?:%|\bpercent\b|\bper cent\b)", re.IGNORECASE)
_MAGNITUDE = re.compile(r"\d(?:[.,]\d+)?\s*(?:k|m|bn|b|mm|million|billion|thousand)\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])(\d[\d,.]*)(?![\w])")
_PERIOD = re.compile(r"\b(?:q[1-4]|h[12]|fy\d{2,4})\b", re.IGNORECASE)
WORD = re.compile(r"[a-z0-9]+")
_DIRECTION_WORDS: Final = frozenset(
    {
        "increase",
        "increased",
        "grow",
        "raise",
        "improve",
        "boost",
        "double",
        "triple",
        "up",
        "more",
        "higher",
        "maximise",
        "maximize",
        "decrease",
        "decreased",
        "reduce",
        "cut",
        "lower",
        "shrink",
        "halve",
        "down",
        "less",
        "fewer",
        "minimise",
        "minimize",
        "drop",
        "keep",
        "stay",
        "above",
        "below",
        "reach",
        "achieve",
        "get",
    }
)
_STOP_WORDS: Final = frozenset(
    {"a", "an", "the", "to", "of", "for", "in", "on", "by", "from", "at", "and", "or", "our", "we", "per", "with"}
)


def is_task_title(title: str) -> bool:
    """Starts with a task verb and carries no number: an activity, not an outcome."""
    return bool(_TASK_AT_START.search(title)) and not DIGIT.search(title)


def objective_is_number(title: str) -> bool:
    """Money, a percentage, a magnitude or a bare number (not a year, not Q3) in the title."""
    if _MONEY.search(title) or _PERCENT.search(title) or _MAGNITUDE.search(title):
        return True
    text = _PERIOD.sub(" ", title)
    for match in _NUMBER.finditer(text):
        raw = match.group(1).rstrip(".,")
        digits = raw.replace(",", "").replace(".", "")
        if not digits.isdigit():
            continue
        if len(digits) == 4 and 1900 <= int(digits) <= 2199 and raw == digits:
            continue  # a year
        return True
    return False


def words(title: str) -> list[str]:
    return [w for w in WORD.findall(title.lower()) if w not in _STOP_WORDS]


def normalised(title: str) -> str:
    return " ".join(words(title))


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def is_duplicate(a: str, b: str) -> bool:
    na, nb = normalised(a), normalised(b)
    if not na or not nb:
        return False
    if na == nb:
        return True
    ratio = difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio()
    return ratio >= DUPLICATE_SIMILARITY or jaccard(set(na.split()), set(nb.split())) >= DUPLICATE_JACCARD


def metric_words(title: str) -> set[str]:
    return {w for w in words(title) if w not in _DIRECTION_WORDS and not w.isdigit()}
