"""``/strategy/``: the strategy page (an OKR page, ``okrs.views_strategy``) and the strategy forms
(``strategy.views``). The URLconf lives here, above both apps, so ``strategy`` never imports ``okrs``."""

from django.urls import path

from ambit.okrs import views_strategy
from ambit.strategy import views

app_name = "strategy"
urlpatterns = [
    path("", views_strategy.strategy_detail, name="detail"),
    path("edit/", views.strategy_edit, name="edit"),
    path("values/new/", views.value_create, name="value-create"),
    path("values/<int:pk>/edit/", views.value_edit, name="value-edit"),
    path("values/<int:pk>/delete/", views.value_delete, name="value-delete"),
    path("big-moves/new/", views.big_move_create, name="big-move-create"),
    path("big-moves/<int:pk>/edit/", views.big_move_edit, name="big-move-edit"),
]
