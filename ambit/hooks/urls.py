"""Settings → Webhooks, mounted at /settings/webhooks/."""

from django.urls import path

from ambit.hooks import views

app_name = "hooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint-list"),
    path("new/", views.endpoint_create, name="endpoint-create"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="endpoint-detail"),
    path("<int:endpoint_id>/edit/", views.endpoint_edit, name="endpoint-edit"),
    path("<int:endpoint_id>/enable/", views.endpoint_set_enabled, {"enabled": True}, name="endpoint-enable"),
    path("<int:endpoint_id>/disable/", views.endpoint_set_enabled, {"enabled": False}, name="endpoint-disable"),
    path("<int:endpoint_id>/rotate-secret/", views.endpoint_rotate, name="endpoint-rotate"),
    path("<int:endpoint_id>/test/", views.endpoint_test, name="endpoint-test"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="endpoint-delete"),
]
