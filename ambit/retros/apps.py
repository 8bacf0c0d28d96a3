"""End-of-quarter reflections (the four questions and lessons) and dependencies between objectives. (issue 17)."""

from django.apps import AppConfig


class RetrosConfig(AppConfig):
    name = "ambit.retros"
    label = "retros"
    verbose_name = "Reflections"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ambit.okrs.signals import demo_seeded
        from ambit.retros.demo import on_demo_seeded

        # The demo's reflections on its last closed quarter and a dependency in the running one.
        demo_seeded.connect(on_demo_seeded, dispatch_uid="retros.demo")
