"""``manage.py create_organisation``: a self-hoster's first organisation and admin."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from ambit.accounts.models import Membership, Organisation, Role, User
from ambit.core.models import AuditEntry
from ambit.strategy.models import Strategy
from tests.helpers import db_digest

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("create_organisation", *args, stdout=out)
    return out.getvalue()


def test_creates_the_organisation_and_a_new_admin_with_a_set_password_link(client: Client) -> None:
    out = _run(
        "--name",
        "Initech",
        "--slug",
        "initech",
        "--admin-email",
        "Boss@Initech.test",
        "--admin-name",
        "Bill",
        "--time-zone",
        "Europe/Berlin",
        "--url",
        "https://okr.initech.test",
    )
    org = Organisation.objects.get(slug="initech")
    assert (org.name, org.time_zone, org.setup_completed_at) == ("Initech", "Europe/Berlin", None)
    user = User.objects.get(email="boss@initech.test")
    assert user.full_name == "Bill" and not user.has_usable_password()
    membership = Membership.objects.get(user=user, organisation=org)
    assert membership.role == Role.ADMIN
    assert Strategy.objects.filter(organisation=org).exists()
    assert AuditEntry.objects.filter(organisation=org, action="organisation.create").count() == 1
    link = re.search(r"https://okr\.initech\.test(/accounts/password/reset/\S+)", out)
    assert link is not None and "/setup/" in out
    # The link lets them choose a password and sign in.
    page = client.get(link.group(1), follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link.group(1)
    done = client.post(form_url, {"new_password1": "a-long-Secret-77", "new_password2": "a-long-Secret-77"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-long-Secret-77")


def test_an_existing_account_keeps_its_password() -> None:
    user = User.objects.create_user("existing@x.test", password="pw-old-123456")
    out = _run("--name", "Hooli", "--slug", "hooli", "--admin-email", "existing@x.test")
    assert "already has an account" in out and "reset" not in out
    user.refresh_from_db()
    assert user.check_password("pw-old-123456")
    assert Membership.objects.get(user=user, organisation__slug="hooli").role == Role.ADMIN


def test_a_taken_slug_is_refused_and_nothing_is_written() -> None:
    _run("--name", "Initech", "--slug", "initech", "--admin-email", "a@initech.test")
    before = db_digest()
    with pytest.raises(CommandError, match="slug “initech” is taken"):
        _run("--name", "Initech 2", "--slug", "initech", "--admin-email", "b@initech.test")
    assert db_digest() == before
    assert not User.objects.filter(email="b@initech.test").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--time-zone", "Mars/Olympus"], "not a time zone"),
        (["--admin-email", "not-an-email"], "email"),
        (["--slug", "bad slug!"], "slug"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_written(args: list[str], message: str) -> None:
    base = {"--name": "Acme", "--slug": "acme-new", "--admin-email": "x@acme.test"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    with pytest.raises(CommandError, match=message):
        _run(*[part for pair in base.items() for part in pair])
    assert not Organisation.objects.exists() and not User.objects.exists()


def test_the_command_exits_non_zero_from_the_shell() -> None:
    _run("--name", "Initech", "--slug", "initech", "--admin-email", "a@initech.test")
    with pytest.raises(SystemExit) as exc:
        from django.core.management import ManagementUtility

        ManagementUtility(
            ["manage.py", "create_organisation", "--name", "X", "--slug", "initech", "--admin-email", "c@x.test"]
        ).execute()
    assert exc.value.code != 0
