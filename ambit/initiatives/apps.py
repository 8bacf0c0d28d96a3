from django.apps import AppConfig


class InitiativesConfig(AppConfig):
    name = "ambit.initiatives"
    label = "initiatives"
    verbose_name = "Initiatives and sprint planning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Sprint planning in each team's calendar feed (ambit.calendars.ics.team_events) and the
        # reminder to the leads on a sprint's first morning (ambit.notify.scheduler).
        from ambit.initiatives import feeds, reminders  # noqa: F401
        from ambit.initiatives.demo import on_demo_seeded
        from ambit.okrs.signals import demo_seeded

        # A few initiatives on the demo's team key results, some planned into sprints (seed_demo).
        demo_seeded.connect(on_demo_seeded, dispatch_uid="initiatives.demo")
