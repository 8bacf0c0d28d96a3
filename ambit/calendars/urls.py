"""The feed (``/calendar/<secret>.ics``, no login) and the page that manages feeds."""

from django.urls import path

from ambit.calendars import views

app_name = "calendars"

urlpatterns = [
    path("calendar/<slug:token>.ics", views.feed_ics, name="feed"),
    path("settings/calendar/", views.feeds_page, name="feeds"),
    path("settings/calendar/mine/<str:action>/", views.own_action, name="own-action"),
    path("settings/calendar/teams/<int:team_id>/<str:action>/", views.team_action, name="team-action"),
]
