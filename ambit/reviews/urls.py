"""The monthly review pages, mounted at the site root."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from ambit.reviews import views

app_name = "reviews"
urlpatterns: list[URLPattern | URLResolver] = [
    path("reviews/", views.review_list, name="list"),
    path("reviews/open/", views.review_open, name="open"),
    path("reviews/<int:review_id>/", views.review_detail, name="detail"),
    path(
        "reviews/<int:review_id>/key-results/<int:key_result_id>/commentary/",
        views.commentary_write,
        name="commentary",
    ),
    path("reviews/<int:review_id>/remind/", views.review_remind, name="remind"),
    path("reviews/<int:review_id>/decisions/", views.decision_add, name="decision-add"),
    path("reviews/<int:review_id>/close/", views.review_close, name="close"),
    path("reviews/decisions/<int:decision_id>/delete/", views.decision_delete, name="decision-delete"),
]
