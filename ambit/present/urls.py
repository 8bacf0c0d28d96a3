"""Presentation: pages mounted at the site root (issue 17)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from ambit.present import views

app_name = "present"
urlpatterns: list[URLPattern | URLResolver] = [
    path("wins/", views.wins_current, name="wins-current"),
    path("cycles/<int:cycle_id>/wins/", views.wins_page, name="wins"),
    path("cycles/<int:cycle_id>/present/", views.slides, name="slides"),
    path("cycles/<int:cycle_id>/present/links/", views.links_page, name="links"),
    path("presentation-links/<int:link_id>/revoke/", views.link_revoke, name="link-revoke"),
    path("p/<str:token>/", views.public_slides, name="public"),
]
