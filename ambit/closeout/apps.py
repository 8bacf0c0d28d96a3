"""Scoring sessions, the close checklist, closing and reopening a cycle. (issue 17)."""

from django.apps import AppConfig


class CloseoutConfig(AppConfig):
    name = "ambit.closeout"
    label = "closeout"
    verbose_name = "Closing the quarter"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A cycle entering review asks the owners of unscored key results to score them.
        from ambit.closeout.services import on_cycle_state_changed
        from ambit.okrs.signals import cycle_state_changed

        cycle_state_changed.connect(on_cycle_state_changed, dispatch_uid="closeout.scoring_open")

        # The closing announcement's emails carry the cycle report.
        from ambit.closeout.attachments import closing_report_attachment
        from ambit.notify.email import register_attachment
        from ambit.notify.models import Kind

        register_attachment(Kind.CYCLE_CLOSED, closing_report_attachment)
