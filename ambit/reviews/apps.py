from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "ambit.reviews"
    label = "reviews"
    verbose_name = "Monthly reviews"
    default_auto_field = "django.db.models.BigAutoField"
