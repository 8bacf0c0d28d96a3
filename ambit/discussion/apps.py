from django.apps import AppConfig


class DiscussionConfig(AppConfig):
    name = "ambit.discussion"
    label = "discussion"
    verbose_name = "Comments with mentions"
    default_auto_field = "django.db.models.BigAutoField"
