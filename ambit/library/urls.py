"""OKR templates, mounted at /okr-templates/."""

from django.urls import URLPattern, URLResolver, path

from ambit.library import views

app_name = "library"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.template_list, name="template-list"),
    path("from-objective/<int:pk>/", views.template_from_objective, name="template-from-objective"),
    path("<int:pk>/edit/", views.template_edit, name="template-edit"),
    path("<int:pk>/delete/", views.template_delete, name="template-delete"),
]
