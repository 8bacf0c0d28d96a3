"""The initiative and sprint planning pages, mounted at the site root."""

from django.urls import URLPattern, URLResolver, path

from ambit.initiatives import views

app_name = "initiatives"
urlpatterns: list[URLPattern | URLResolver] = [
    path("key-results/<int:key_result_id>/initiatives/", views.kr_initiatives, name="kr-initiatives"),
    path("key-results/<int:key_result_id>/initiatives/add/", views.initiative_add, name="add"),
    path("initiatives/<int:initiative_id>/edit/", views.initiative_edit, name="edit"),
    path("initiatives/<int:initiative_id>/delete/", views.initiative_delete, name="delete"),
    path("teams/<slug:slug>/sprints/", views.sprint_current, name="sprints"),
    path("teams/<slug:slug>/sprints/now/", views.sprint_now, name="sprint-now"),
    path("teams/<slug:slug>/sprints/<int:number>/", views.sprint_detail, name="sprint"),
    path("teams/<slug:slug>/sprints/<int:number>/plan/", views.sprint_plan, name="sprint-plan"),
    path("teams/<slug:slug>/sprints/<int:number>/goal/", views.sprint_goal, name="sprint-goal"),
]
