from django.urls import path

from ambit.sheets import grid_views, views

app_name = "sheets"
urlpatterns = [
    path("cycles/<int:cycle_id>/", views.cycle_page, name="cycle"),
    path("cycles/<int:cycle_id>/download/", views.download, name="download"),
    path("cycles/<int:cycle_id>/upload/", views.upload, name="upload"),
    path("cycles/<int:cycle_id>/apply/", views.apply, name="apply"),
    path("cycles/<int:cycle_id>/grid/", grid_views.grid_page, name="grid"),
    path("jobs/<int:job_id>/", views.job_page, name="job"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job-progress"),
]
