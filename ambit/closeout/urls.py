"""Closing the quarter: pages mounted at the site root (issue 17)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from ambit.closeout import views

app_name = "closeout"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cycles/<int:cycle_id>/scoring/", views.scoring, name="scoring"),
    path(
        "cycles/<int:cycle_id>/scoring/key-results/<int:key_result_id>/",
        views.score_key_result,
        name="score-key-result",
    ),
    path(
        "cycles/<int:cycle_id>/scoring/objectives/<int:objective_id>/",
        views.score_objective,
        name="score-objective",
    ),
    path("cycles/<int:cycle_id>/scoring/teams/", views.teams, name="teams"),
    path("cycles/<int:cycle_id>/scoring/remind/", views.remind, name="remind"),
    path("cycles/<int:cycle_id>/close/", views.close, name="close"),
    path("cycles/<int:cycle_id>/reopen/", views.reopen, name="reopen"),
    path("cycles/<int:cycle_id>/start-review/", views.start_review, name="start-review"),
]
