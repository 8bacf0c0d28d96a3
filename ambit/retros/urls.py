"""Reflections: pages mounted at the site root (issue 17)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from ambit.retros import views

app_name = "retros"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cycles/<int:cycle_id>/retrospective/", views.cycle_retrospective, name="cycle"),
    path(
        "cycles/<int:cycle_id>/retrospective/teams/<int:team_id>/",
        views.team_reflection,
        name="team-reflection",
    ),
    path("objectives/<int:objective_id>/reflection/", views.objective_reflection, name="objective"),
    path("objectives/<int:objective_id>/dependencies/", views.dependency_add, name="dependency-add"),
    path("dependencies/<int:dependency_id>/remove/", views.dependency_remove, name="dependency-remove"),
    path("lessons/", views.lessons, name="lessons"),
]
