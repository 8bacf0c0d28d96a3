"""Database connection tweaks that must hold on every connection."""

from django.db.backends.signals import connection_created
from django.dispatch import receiver


@receiver(connection_created)
def _sqlite_pragmas(sender, connection, **kwargs):  # type: ignore[no-untyped-def]
    # init_command is applied by Django's SQLite backend too, but an in-memory test database
    # is created before it, so enforce foreign keys explicitly: we rely on them for integrity.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys=ON")
