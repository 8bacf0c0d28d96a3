from django.urls import URLPattern, URLResolver, path

from ambit.rituals import views

app_name = "rituals"
urlpatterns: list[URLPattern | URLResolver] = [
    path("week-plan/", views.week_plan, name="week-plan"),
    path("standups/blockers/objective/<int:pk>/", views.objective_blockers, name="objective-blockers"),
    path("standups/<slug:slug>/", views.standup, name="standup"),
    path("standups/<slug:slug>/week/", views.team_week, name="team-week"),
]
