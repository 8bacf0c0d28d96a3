"""The cycle report on the closing announcement's emails (``notify.email.register_attachment``)."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from ambit.closeout.models import ClosingReport
from ambit.notify.email import Attachment
from ambit.notify.models import Notification
from ambit.okrs.models import Cycle, CycleState
from ambit.reports.build import cycle_report_attachment

# Past this size the email carries the link alone (its body has it): a mail server refuses
# larger messages, and a whole organisation's inboxes should not each hold a huge file.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def stored_report(cycle: Cycle) -> ClosingReport:
    """The cycle's closing report, made by the first caller. Two workers making it at once both
    build it; the second one's insert loses to the first and reads the winner's."""
    stored = ClosingReport.objects.filter(cycle=cycle).first()
    if stored is not None:
        return stored
    name, content, content_type = cycle_report_attachment(cycle)
    try:
        with transaction.atomic():
            return ClosingReport.objects.create(
                organisation_id=cycle.organisation_id,
                cycle=cycle,
                file_name=name,
                content_type=content_type,
                content=content,
            )
    except IntegrityError:
        return ClosingReport.objects.get(cycle=cycle)


def closing_report_attachment(notification: Notification) -> Attachment | None:
    """The report for a closing announcement's email, while its cycle is still closed. Not with
    the console backend (development, ``make run``): a PDF printed as base64 helps nobody."""
    if settings.EMAIL_BACKEND == CONSOLE_BACKEND:
        return None
    cycle = Cycle.objects.filter(
        pk=notification.data.get("cycle"), organisation_id=notification.organisation_id, state=CycleState.CLOSED
    ).first()
    if cycle is None:
        return None
    stored = stored_report(cycle)
    content = bytes(stored.content)
    if len(content) > MAX_ATTACHMENT_BYTES:
        return None
    return stored.file_name, content, stored.content_type
