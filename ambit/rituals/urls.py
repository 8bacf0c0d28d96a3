from django.urls import URLPattern, URLResolver, path

from ambit.rituals import views, views_reflection, views_settings

app_name = "rituals"
urlpatterns: list[URLPattern | URLResolver] = [
    path("week-plan/", views.week_plan, name="week-plan"),
    path("reflections/", views_reflection.reflection_page, name="reflections"),
    path("reflections/form/", views_reflection.reflection_form, name="reflection-form"),
    path("reflections/save/", views_reflection.reflection_save, name="reflection-save"),
    path("standups/<slug:slug>/settings/", views_settings.standup_settings, name="standup-settings"),
    path("standups/blockers/objective/<int:pk>/", views.objective_blockers, name="objective-blockers"),
    path("standups/<slug:slug>/", views.standup, name="standup"),
    path("standups/<slug:slug>/week/", views.team_week, name="team-week"),
]
