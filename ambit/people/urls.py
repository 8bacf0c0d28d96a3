from django.urls import URLPattern, URLResolver, path

from ambit.people import views

app_name = "people"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.import_page, name="import"),
    path("example.<str:fmt>", views.example, name="example"),
    path("check/", views.upload, name="upload"),
    path("apply/", views.apply, name="apply"),
]
