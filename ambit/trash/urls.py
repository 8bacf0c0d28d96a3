"""Trash: pages mounted at the site root (issue 17)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from ambit.trash import views

app_name = "trash"
urlpatterns: list[URLPattern | URLResolver] = [
    path("trash/", views.trash_list, name="list"),
    path("trash/<int:item_id>/restore/", views.trash_restore, name="restore"),
    path("trash/<int:item_id>/delete/", views.trash_delete, name="delete"),
]
