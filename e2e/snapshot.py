"""A copy of every table of the test database, taken once and written back before each browser
test, so the journeys share one ``seed_demo`` run per process instead of one each.

SQLite (an in-memory database the live server shares) is copied whole with SQLite's online backup;
PostgreSQL table by table with binary ``COPY``, in one transaction (Django's foreign keys are
deferred to its commit), and the id sequences are set past the copied rows, as ``loaddata`` does.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass
class Snapshot:
    vendor: str
    sqlite: sqlite3.Connection | None = None
    tables: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def take(cls, connection: BaseDatabaseWrapper) -> Snapshot:
        connection.ensure_connection()
        raw: Any = connection.connection
        if connection.vendor == "sqlite":
            copy = sqlite3.connect(":memory:", check_same_thread=False)
            raw.backup(copy)
            return cls(vendor="sqlite", sqlite=copy)
        if connection.vendor != "postgresql":
            raise NotImplementedError(f"no snapshot for {connection.vendor}")
        tables: dict[str, bytes] = {}
        with connection.cursor() as cursor:
            for table in _tables(connection):
                data = bytearray()
                with cursor.cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT BINARY)') as copy:
                    for chunk in copy:
                        data += chunk
                tables[table] = bytes(data)
        return cls(vendor="postgresql", tables=tables)

    def restore(self, connection: BaseDatabaseWrapper) -> None:
        connection.ensure_connection()
        raw: Any = connection.connection
        if self.sqlite is not None:
            self.sqlite.backup(raw)
            return
        names = ", ".join(f'"{t}"' for t in self.tables)
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {names} CASCADE")
            for table, data in self.tables.items():
                if data:
                    with cursor.cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT BINARY)') as copy:
                        copy.write(data)
            for sql in connection.ops.sequence_reset_sql(no_style(), list(apps.get_models(include_auto_created=True))):
                cursor.execute(sql)


def _tables(connection: BaseDatabaseWrapper) -> list[str]:
    """Every table of an installed model that exists (Django's own, the apps', the task queue's)."""
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
