"""Settings → Chat channels, mounted at /settings/chat/."""

from django.urls import path

from ambit.chat import views

app_name = "chat"

urlpatterns = [
    path("", views.channels, name="channels"),
    path("<int:webhook_id>/test/", views.channel_test, name="channel-test"),
    path("<int:webhook_id>/enable/", views.channel_set_enabled, {"enabled": True}, name="channel-enable"),
    path("<int:webhook_id>/disable/", views.channel_set_enabled, {"enabled": False}, name="channel-disable"),
    path("<int:webhook_id>/remove/", views.channel_delete, name="channel-delete"),
]
