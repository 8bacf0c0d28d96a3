"""Settings → API tokens (mounted at /settings/tokens/)."""

from django.urls import path

from ambit.api import views

app_name = "apitokens"

urlpatterns = [
    path("", views.token_page, name="api-tokens"),
    path("<int:token_id>/revoke", views.token_revoke, name="api-token-revoke"),
]
