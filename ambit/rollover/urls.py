"""Rollover: pages mounted at the site root (issue 17)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from ambit.rollover import views

app_name = "rollover"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cycles/<int:cycle_id>/rollover/", views.cycle_rollover, name="cycle"),
    path("cycles/<int:cycle_id>/rollover/nothing/", views.cycle_nothing, name="nothing"),
]
