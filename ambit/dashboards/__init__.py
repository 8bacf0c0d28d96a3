"""Dashboards: where the organisation stands for a cycle, today or as of a past date. Selectors over
the stored roll-ups (``selectors``, ``trends``), the view, its template tags (``{% load dashboard_ui %}``)
and templates under ``dashboards/``."""
