from django.urls import path

from ambit.okrs import views, views_edit, views_pages, views_quality

app_name = "okrs"
urlpatterns = [
    path("company/", views_pages.company, name="company"),
    path("company/objectives/<int:pk>/children/", views_pages.tree_children, name="tree-children"),
    path("company/unaligned/", views_pages.tree_unaligned, name="tree-unaligned"),
    path("teams/", views_pages.team_list, name="team-list"),
    path("teams/<slug:slug>/", views_pages.team_detail, name="team-detail"),
    path("cycles/", views_pages.cycle_list_view, name="cycle-list"),
    path("objectives/new/", views_edit.objective_create, name="objective-create"),
    path("objectives/quality-check/", views_quality.quality_check, name="quality-check"),
    path("objectives/<int:pk>/", views.objective_detail, name="objective-detail"),
    path("objectives/<int:pk>/edit/", views_edit.objective_edit, name="objective-edit"),
    path("objectives/<int:pk>/state/", views.objective_state, name="objective-state"),
    path("objectives/<int:pk>/cancel/", views.objective_cancel, name="objective-cancel"),
    path("objectives/<int:pk>/delete/", views.objective_delete, name="objective-delete"),
    path("objectives/<int:pk>/align/", views.objective_align, name="objective-align"),
    path("objectives/<int:pk>/key-results/new/", views_edit.kr_create, name="kr-create"),
    path("key-results/<int:pk>/edit/", views_edit.kr_edit, name="kr-edit"),
    path("key-results/<int:pk>/delete/", views.kr_delete, name="kr-delete"),
    path("key-results/<int:pk>/cascade/", views.kr_cascade, name="kr-cascade"),
    path("key-results/<int:pk>/history/", views.kr_history, name="kr-history"),
]
