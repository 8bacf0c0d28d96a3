from django.urls import URLPattern, URLResolver

# Settings pages for champions and admins: charter, team tree, people (issue 15).
app_name = "setup"
urlpatterns: list[URLPattern | URLResolver] = []
