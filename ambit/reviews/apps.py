from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "ambit.reviews"
    label = "reviews"
    verbose_name = "Monthly reviews"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The commentary reminders (ambit.notify.scheduler) and the reviews in every member's
        # calendar feed (ambit.calendars.ics.person_events).
        from ambit.okrs.signals import demo_seeded
        from ambit.reviews import feeds, reminders  # noqa: F401
        from ambit.reviews.demo import on_demo_seeded

        # The demo's open review for this month, with some commentary written (seed_demo).
        demo_seeded.connect(on_demo_seeded, dispatch_uid="reviews.demo")
