"""A digest of every table's row count, to assert that a refused write changed nothing; the type
of what Django's test client returns, for helpers that hand a response back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps

if TYPE_CHECKING:
    # The stubs' name for the test client's response (the real class is the view's response with
    # ``context``, ``templates`` and ``json()`` attached); it exists only for the type checker.
    from django.test.client import _MonkeyPatchedWSGIResponse as ClientResponse
else:
    from django.http import HttpResponse as ClientResponse

__all__ = ["ClientResponse", "db_digest"]


def db_digest() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.app_label != "sessions"}
