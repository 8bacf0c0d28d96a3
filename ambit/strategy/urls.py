from django.urls import path

from ambit.strategy import views

app_name = "strategy"
urlpatterns = [
    path("", views.detail, name="detail"),
    path("edit/", views.strategy_edit, name="edit"),
    path("values/new/", views.value_create, name="value-create"),
    path("values/<int:pk>/edit/", views.value_edit, name="value-edit"),
    path("values/<int:pk>/delete/", views.value_delete, name="value-delete"),
    path("big-moves/new/", views.big_move_create, name="big-move-create"),
    path("big-moves/<int:pk>/edit/", views.big_move_edit, name="big-move-edit"),
]
