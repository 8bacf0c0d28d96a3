from django.urls import URLPattern, URLResolver, path

from ambit.accounts import people_views, setup_views, team_views

# Settings pages for champions and admins: charter, team tree, people (issue 15); and the
# first-run wizard.
app_name = "setup"
urlpatterns: list[URLPattern | URLResolver] = [
    path("setup/", setup_views.setup_home, name="home"),
    path("setup/step/<int:step>/", setup_views.setup_step, name="step"),
    path("setup/done/", setup_views.setup_done, name="done"),
    path("settings/charter/", setup_views.charter, name="charter"),
    path("settings/charter/cycle/", setup_views.charter_cycle_create, name="charter-cycle"),
    path("settings/teams/", team_views.team_tree_page, name="teams"),
    path("settings/teams/<int:pk>/", team_views.team_edit, name="team-edit"),
    path("settings/teams/<int:pk>/archive/", team_views.team_archive, name="team-archive"),
    path("settings/teams/<int:pk>/members/", team_views.team_member_add, name="team-member-add"),
    path(
        "settings/teams/<int:pk>/members/<int:membership_id>/",
        team_views.team_member_change,
        name="team-member-change",
    ),
    path("settings/people/", people_views.people, name="people"),
    path("settings/people/<int:pk>/", people_views.person_edit, name="person-edit"),
]
