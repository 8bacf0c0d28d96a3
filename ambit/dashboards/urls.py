from django.urls import path

from ambit.dashboards import views, views_scoped

app_name = "dashboards"
urlpatterns = [
    path("dashboard/", views.dashboard, name="organisation"),
    path("teams/<slug:slug>/dashboard/", views_scoped.team_dashboard, name="team"),
    path("people/<int:membership_id>/dashboard/", views_scoped.person_dashboard, name="person"),
]
