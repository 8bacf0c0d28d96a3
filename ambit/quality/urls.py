from django.urls import URLPattern, URLResolver, path

from ambit.quality import views

app_name = "quality"
urlpatterns: list[URLPattern | URLResolver] = [
    path("planning/readiness/", views.readiness_select, name="readiness-select"),
    path("cycles/<int:pk>/readiness/", views.readiness, name="readiness"),
    path("cycles/<int:pk>/readiness/remind/", views.remind, name="readiness-remind"),
]
