"""How far an organisation's OKR data has moved, as a short token: the key under which pages
computed from that data are cached (``core.page_cache``, the dashboard's summary).

Every write moves it. A write through a service leaves an audit entry (the engineering rule);
a check-in leaves a check-in row (the batched path writes them in bulk); the background roll-up,
the one write that leaves neither, moves ``Organisation.rollup_version``. The token is read
before the page is computed, so what is cached under it is never older than it says.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import connection
from django.http import HttpRequest

from ambit.accounts.models import Membership, Organisation
from ambit.core.models import AuditEntry
from ambit.core.page_cache import page_cache_key
from ambit.okrs.models import CheckIn


class DataVersion(NamedTuple):
    audit_id: int  # the newest audit entry of the organisation
    checkin_id: int  # the newest check-in
    rollup_version: int  # Organisation.rollup_version
    created: str  # when the organisation was created, as digits: ids repeat after a database is emptied

    @property
    def token(self) -> str:
        return f"{self.audit_id}.{self.checkin_id}.{self.rollup_version}.{self.created}"


def data_version(*, organisation_id: int) -> DataVersion:
    """The organisation's data version, in one query. The newest audit entry and check-in are read
    newest-first along their ``(organisation, created_at)`` indexes, so the cost does not depend
    on the size of either table. Plain SQL: it runs on every cached page, and the ORM spent more
    time building this statement than the database spends answering it."""
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [organisation_id, organisation_id, organisation_id])
        row = cursor.fetchone()
    if row is None:
        return DataVersion(0, 0, 0, "")
    audit_id, checkin_id, rollup_version, created = row
    # A datetime on PostgreSQL, its text on SQLite: its digits either way.
    return DataVersion(audit_id or 0, checkin_id or 0, rollup_version, "".join(filter(str.isdigit, str(created))))


def kept_page_key(request: HttpRequest, *, member: Membership, view: str) -> str:
    """The ``core.page_cache`` key of ``view`` as ``member`` sees it now, with the organisation's
    data version read here, before the view reads anything of the page."""
    version = data_version(organisation_id=member.organisation_id).token
    return page_cache_key(request, member=member, view=view, data_version=version)


def _newest(table: str) -> str:
    return f'(SELECT "id" FROM "{table}" WHERE "organisation_id" = %s ORDER BY "created_at" DESC, "id" DESC LIMIT 1)'


_SQL = (
    f"SELECT {_newest(AuditEntry._meta.db_table)}, {_newest(CheckIn._meta.db_table)}, "
    f'"rollup_version", "created_at" FROM "{Organisation._meta.db_table}" WHERE "id" = %s'
)
