from django.urls import URLPattern, URLResolver, path

from ambit.discussion import views

app_name = "discussion"
urlpatterns: list[URLPattern | URLResolver] = [
    path("comments/mentions/", views.mention_search, name="mention-search"),
    path("comments/objective/<int:pk>/section/", views.objective_section, name="objective-section"),
    path("comments/<int:pk>/edit/", views.edit, name="edit"),
    path("comments/<int:pk>/delete/", views.delete, name="delete"),
    path("comments/<slug:slug>/<int:pk>/", views.thread, name="thread"),
]
