"""The team check-in pages, mounted at the site root beside the team page."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from ambit.teammeetings import views

app_name = "teammeetings"
urlpatterns: list[URLPattern | URLResolver] = [
    path("teams/<slug:slug>/check-in-meeting/", views.meeting_page, name="meeting"),
    path("teams/<slug:slug>/check-in-meeting/start/", views.meeting_start, name="start"),
    path("teams/<slug:slug>/check-in-meeting/end/", views.meeting_end, name="end"),
    path("teams/<slug:slug>/check-in-meeting/items/", views.item_add, name="item-add"),
    path("teams/<slug:slug>/check-in-meeting/key-results/<int:key_result_id>/note/", views.note_add, name="note-add"),
    path("teams/<slug:slug>/check-in-meeting/items/<int:item_id>/", views.item_edit, name="item-edit"),
    path("teams/<slug:slug>/check-in-meeting/items/<int:item_id>/done/", views.item_done, name="item-done"),
    path("teams/<slug:slug>/check-in-meeting/items/<int:item_id>/delete/", views.item_delete, name="item-delete"),
    path("teams/<slug:slug>/check-in-meeting/history/", views.history, name="history"),
]
