from django.urls import URLPattern, URLResolver

app_name = "oneonones"
urlpatterns: list[URLPattern | URLResolver] = []
