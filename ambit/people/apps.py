from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "ambit.people"
    label = "people"
    verbose_name = "People and teams import"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from ambit.accounts.models import Invitation
        from ambit.people.receivers import on_invitation_saved

        post_save.connect(on_invitation_saved, sender=Invitation, dispatch_uid="people.placements_apply")
