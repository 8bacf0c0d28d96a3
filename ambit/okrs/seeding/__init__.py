"""Seeded organisations: the demo (``demo``, its people and OKRs in ``demo_content``/``demo_okrs``),
the large synthetic organisation for benchmarks (``synthetic``) and their removal (``purge``).
The management commands that run them stay in ``okrs/management/commands/``, where Django finds them."""
