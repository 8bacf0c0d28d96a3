from django.urls import path

from ambit.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("dashboard/", views.dashboard, name="organisation"),
]
