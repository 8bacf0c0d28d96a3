"""Errors raised by services; each interface (web, API, sheets) maps them to its own answer.

- ``django.core.exceptions.ValidationError`` with a ``{field: [messages]}`` dict: bad input.
- ``django.core.exceptions.PermissionDenied``: the actor may see this but not do it (403).
- ``django.http.Http404``: outside the actor's organisation or not visible to them (404).
- ``Conflict``: the request is valid but clashes with the current state (409).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404


class Conflict(Exception):
    """The change clashes with existing data (a cycle in the alignment graph, a duplicate)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


__all__ = ["Conflict", "Http404", "PermissionDenied", "ValidationError"]
