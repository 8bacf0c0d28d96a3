"""Presentation mode for the all-hands, shareable read-only links, the quarter's wins. (issue 17)."""

from django.apps import AppConfig


class PresentConfig(AppConfig):
    name = "ambit.present"
    label = "present"
    verbose_name = "Presentation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ambit.present import slides

        slides.register()  # the decks the background worker refreshes (``dashboards.kept``)
