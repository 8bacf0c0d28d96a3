from django.urls import URLPattern, URLResolver

app_name = "teammeetings"
urlpatterns: list[URLPattern | URLResolver] = []
