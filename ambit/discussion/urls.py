from django.urls import URLPattern, URLResolver

app_name = "discussion"
urlpatterns: list[URLPattern | URLResolver] = []
