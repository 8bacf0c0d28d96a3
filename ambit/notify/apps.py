import importlib
import importlib.util

from django.apps import AppConfig

# Modules that register channels (``channels.register``) and producers (``scheduler.register_producer``)
# when imported; optional ones are imported when present.
REGISTERING = (
    "ambit.notify.channels",
    "ambit.notify.reminders",
    "ambit.notify.escalation",
    "ambit.notify.warnings",
    "ambit.notify.announcements",
    "ambit.notify.objective_states",
)
OPTIONAL = ("ambit.notify.email", "ambit.notify.digest")


class NotifyConfig(AppConfig):
    name = "ambit.notify"
    label = "notify"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        for name in REGISTERING:
            importlib.import_module(name)
        for name in OPTIONAL:
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)
        from ambit.notify.demo import on_demo_seeded
        from ambit.okrs.signals import demo_seeded

        demo_seeded.connect(on_demo_seeded, dispatch_uid="notify.demo_week")

        from ambit.notify.scheduler import register_producer
        from ambit.trash.tasks import PRODUCER as TRASH_PURGE
        from ambit.trash.tasks import enqueue_purge

        # The trash's 30-day purge (issue 17) runs from the scheduler; the trash cannot import notify.
        register_producer(TRASH_PURGE, enqueue_purge)
