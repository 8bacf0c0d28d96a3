from django.apps import AppConfig


class TeamMeetingsConfig(AppConfig):
    name = "ambit.teammeetings"
    label = "teammeetings"
    verbose_name = "Bi-weekly team check-ins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The morning-before reminder (ambit.notify.scheduler) and the check-in days in the team's
        # and its members' calendar feeds (ambit.calendars.ics).
        from ambit.okrs.signals import demo_seeded
        from ambit.teammeetings import feeds, reminders  # noqa: F401
        from ambit.teammeetings.demo import on_demo_seeded

        # One past check-in with a decision and an open action for a demo team (seed_demo).
        demo_seeded.connect(on_demo_seeded, dispatch_uid="teammeetings.demo")
