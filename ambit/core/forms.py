"""Putting a service's refusal on the form that asked for it.

Views call a service inside ``with errors_on(form):``; a ``ValidationError`` or ``Conflict`` lands
on the fields it names, and the view checks ``form.errors`` to choose between its own success
message and redirect, and showing the form again. The service stays the one place that validates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.core.exceptions import ValidationError

from ambit.core.errors import Conflict


def add_service_error(form: forms.Form, exc: ValidationError | Conflict) -> None:
    """Show a service's ValidationError or Conflict on the fields it names (or on the form)."""
    if isinstance(exc, Conflict):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, message if target else f"{name.replace('_', ' ')}: {message}")
        return
    for message in exc.messages:
        form.add_error(None, message)


@contextmanager
def errors_on(form: forms.Form) -> Iterator[None]:
    """Run the block; a service's ``ValidationError`` or ``Conflict`` goes on ``form`` instead of up.

    Anything else (``PermissionDenied``, ``Http404``) still propagates: those are not the form's."""
    try:
        yield
    except (ValidationError, Conflict) as exc:
        add_service_error(form, exc)


class DateInput(forms.DateInput):
    """``<input type="date">``, whose value a browser reads only as ISO 8601 (``2031-04-01``).
    Django's own ``DateInput`` writes the locale's format (``01/04/2031`` in en-GB), which the
    browser drops: a form shown with a date (an initial value, or the one just submitted) came
    back empty. Parsing still accepts ISO, the browser's submission."""

    input_type = "date"

    def __init__(self, attrs: dict[str, object] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
