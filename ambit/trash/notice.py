"""The one sentence every page that deletes shows afterwards, with its link to the trash."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ambit.trash.models import KEEP_DAYS


def moved_to_trash(what: str) -> SafeString:
    """``"The initiative “X” moved to the trash — restore it within 30 days."`` (``what`` is
    escaped; the trash link is part of the message)."""
    return format_html(
        '{} moved to the trash — <a href="{}">restore it within {} days</a>.', what, reverse("trash:list"), KEEP_DAYS
    )
