from django.apps import AppConfig


class HooksConfig(AppConfig):
    name = "ambit.hooks"
    label = "hooks"
    verbose_name = "Outgoing webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Each scheduler tick (manage.py run_scheduler) offers new audited events to the endpoints
        # and queues the deliveries that are due (new ones, retries, ones whose worker died).
        from ambit.hooks.dispatch import enqueue_due
        from ambit.notify.scheduler import register_producer

        register_producer("webhooks", enqueue_due)
