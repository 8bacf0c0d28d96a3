"""System checks for deployment settings Django's own ``check --deploy`` does not cover."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

# Backends that never deliver mail: the console one prints password-reset links into the log.
UNDELIVERED_EMAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    }
)


@register(Tags.security, deploy=True)
def email_backend_delivers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production, mail must go out: a console backend writes reset links where operators read logs.

    A deploy check (``manage.py check --deploy``), so development, tests and the ``DEBUG=0`` tools
    that run ``migrate`` are not affected.
    """
    if settings.DEBUG or settings.EMAIL_BACKEND not in UNDELIVERED_EMAIL_BACKENDS:
        return []
    return [
        Error(
            f"EMAIL_BACKEND is {settings.EMAIL_BACKEND} with DEBUG off: password-reset and invitation "
            "emails would not be sent (the console backend prints their links into the server log).",
            hint="Set EMAIL_URL to your mail server, e.g. EMAIL_URL=smtp://user:password@mail.example.com:587/?tls=True.",
            id="ambit.E001",
        )
    ]


@register(Tags.security, deploy=True)
def tasks_run_in_a_worker(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production, background work belongs in ``manage.py run_worker``, not in the request.

    With the in-process backend a large sheet import or a roll-up of a big organisation runs inside
    the web request and can outlast gunicorn's timeout: the person sees an error for work that was
    done. A warning, not an error: a small install may choose it knowingly (silence ambit.W002).
    """
    backend = settings.TASKS["default"]["BACKEND"]
    if settings.DEBUG or backend != "django_tasks.backends.immediate.ImmediateBackend":
        return []
    return [
        Warning(
            "TASKS_BACKEND is immediate with DEBUG off: sheet imports and roll-ups run inside web requests "
            "and a large one can outlast the server's timeout.",
            hint="Set TASKS_BACKEND=database and run `manage.py run_worker` beside the web processes.",
            id="ambit.W002",
        )
    ]
