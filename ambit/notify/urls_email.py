"""Email preferences, the one-click unsubscribe link and the weekly digest pages
(included at the site root by ``ambit/urls.py``)."""

from django.urls import path

from ambit.notify import digest_views, preferences_views

app_name = "notify_email"
urlpatterns = [
    path("settings/notifications/", preferences_views.preferences, name="preferences"),
    path("email/unsubscribe/<str:token>/", preferences_views.unsubscribe, name="unsubscribe"),
    path("digest/", digest_views.organisation_digest, name="digest"),
    path("teams/<slug:slug>/digest/", digest_views.team_digest, name="team-digest"),
]
