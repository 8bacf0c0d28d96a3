"""The 1:1 pages, mounted at the site root."""

from django.urls import URLPattern, URLResolver, path

from ambit.oneonones import views

app_name = "oneonones"
urlpatterns: list[URLPattern | URLResolver] = [
    path("one-on-ones/", views.one_on_one_list, name="list"),
    path("one-on-ones/start/", views.one_on_one_start, name="start"),
    path("one-on-ones/<int:one_on_one_id>/", views.one_on_one_detail, name="detail"),
    path("one-on-ones/<int:one_on_one_id>/notes/", views.notes_save, name="notes"),
    path("one-on-ones/<int:one_on_one_id>/items/", views.item_add, name="item-add"),
    path("one-on-ones/<int:one_on_one_id>/hold/", views.meeting_hold, name="hold"),
    path("one-on-ones/<int:one_on_one_id>/schedule/", views.schedule, name="schedule"),
    path("one-on-ones/items/<int:item_id>/done/", views.item_toggle, name="item-done"),
    path("one-on-ones/items/<int:item_id>/delete/", views.item_delete, name="item-delete"),
]
