from django.urls import URLPattern, URLResolver, path

from ambit.kpis import views

app_name = "kpis"
urlpatterns: list[URLPattern | URLResolver] = [
    path("kpis/", views.board, name="board"),
    path("kpis/new/", views.kpi_new, name="new"),
    path("kpis/<int:kpi_id>/", views.kpi_detail, name="detail"),
    path("kpis/<int:kpi_id>/edit/", views.kpi_edit, name="edit"),
    path("kpis/<int:kpi_id>/archive/", views.kpi_archive, name="archive"),
    path("kpis/<int:kpi_id>/delete/", views.kpi_delete, name="delete"),
    path("kpis/<int:kpi_id>/readings/", views.reading_add, name="reading-add"),
    path("kpis/<int:kpi_id>/links/", views.link_add, name="link-add"),
    path("kpis/<int:kpi_id>/links/<int:link_id>/delete/", views.link_delete, name="link-delete"),
]
