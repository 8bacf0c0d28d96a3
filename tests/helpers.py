"""A digest of every table's row count, to assert that a refused write changed nothing."""

from __future__ import annotations

from django.apps import apps


def db_digest() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label != "sessions"}
