"""The organisation dashboard: its selectors (``selectors``, ``trends``), views and template tags
(``templatetags``, registered as ``{% load dashboard_ui %}`` in ``settings.TEMPLATES``). Its URLs
stay in the ``okrs`` namespace and its templates under ``okrs/``."""
