from django.apps import AppConfig


class OneOnOnesConfig(AppConfig):
    name = "ambit.oneonones"
    label = "oneonones"
    verbose_name = "Bi-weekly 1:1s"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The day-before reminder (ambit.notify.scheduler) and the next 1:1 in both people's
        # calendar feeds (ambit.calendars.ics.person_events).
        from ambit.okrs.signals import demo_seeded
        from ambit.oneonones import feeds, reminders  # noqa: F401
        from ambit.oneonones.demo import on_demo_seeded

        # The Platform lead's 1:1 with a report, in two days (seed_demo).
        demo_seeded.connect(on_demo_seeded, dispatch_uid="oneonones.demo")
