from django.apps import AppConfig


class RitualsConfig(AppConfig):
    name = "ambit.rituals"
    label = "rituals"
    verbose_name = "Standups, Monday commitments and Friday wins"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the standup and week-plan reminders with the scheduler (ambit.notify.scheduler)
        # and the "Wins of the week" section with the weekly digest (ambit.notify.digest), and the
        # day's standup posted to the team's chat channels (a scheduler producer).
        from ambit.okrs.signals import demo_seeded
        from ambit.rituals import chat_posts, digest, reminders  # noqa: F401
        from ambit.rituals.demo import on_demo_seeded

        # Today's standups of a demo team, one with a blocker, and a weekly reflection (seed_demo).
        demo_seeded.connect(on_demo_seeded, dispatch_uid="rituals.demo")
