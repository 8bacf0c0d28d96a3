"""Cycle reports: pages mounted at the site root (issue 17)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from ambit.reports import views

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("cycles/<int:cycle_id>/report/", views.cycle_report, name="cycle"),
    path("cycles/<int:cycle_id>/report.pdf", views.cycle_report_pdf, name="cycle-pdf"),
    path("cycles/<int:cycle_id>/report.xlsx", views.cycle_report_xlsx, name="cycle-xlsx"),
]
