"""``manage.py check --deploy`` refuses a production install whose email never leaves the server."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import override_settings

CONSOLE = "django.core.mail.backends.console.EmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def email_errors(*, deploy: bool = True) -> list[str]:
    return [m.id for m in run_checks(include_deployment_checks=deploy) if m.id == "ambit.E001"]


@pytest.mark.parametrize(
    "backend",
    [
        CONSOLE,
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    ],
)
def test_production_with_an_undelivering_backend_fails_the_deploy_check(backend: str) -> None:
    with override_settings(DEBUG=False, EMAIL_BACKEND=backend):
        messages = [m for m in run_checks(include_deployment_checks=True) if m.id == "ambit.E001"]
    assert len(messages) == 1
    assert messages[0].is_serious()
    assert "EMAIL_URL" in (messages[0].hint or "")


def test_production_with_smtp_passes() -> None:
    with override_settings(DEBUG=False, EMAIL_BACKEND=SMTP):
        assert email_errors() == []


def test_development_may_print_mail_to_the_console() -> None:
    with override_settings(DEBUG=True, EMAIL_BACKEND=CONSOLE):
        assert email_errors() == []


def test_only_the_deploy_check_fires_so_migrate_with_debug_off_still_runs() -> None:
    with override_settings(DEBUG=False, EMAIL_BACKEND=CONSOLE):
        assert email_errors(deploy=False) == []


IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def task_warnings() -> list[str]:
    return [m.id for m in run_checks(include_deployment_checks=True) if m.id == "ambit.W002"]


def test_production_running_tasks_inside_requests_is_warned_about() -> None:
    with override_settings(DEBUG=False, EMAIL_BACKEND=SMTP, TASKS=IMMEDIATE):
        assert task_warnings() == ["ambit.W002"]


def test_production_with_a_task_worker_passes() -> None:
    with override_settings(DEBUG=False, EMAIL_BACKEND=SMTP, TASKS=DATABASE):
        assert task_warnings() == []


def test_development_may_run_tasks_in_process() -> None:
    with override_settings(DEBUG=True, TASKS=IMMEDIATE):
        assert task_warnings() == []
