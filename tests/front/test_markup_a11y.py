"""Markup rules axe-core checks in the browser, kept here too so a plain test run catches them:
no control inside a <summary> (nested-interactive), lists that hold only items (list), and a main
navigation that folds behind a toggle on phones (issue 12, item 15)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.builders import Tree, World
from tests.okrs.conftest import login

pytestmark = pytest.mark.django_db

_SUMMARY = re.compile(r"<summary\b[^>]*>(.*?)</summary>", re.DOTALL)
_CONTROL = re.compile(r"<(a|button|input|select|textarea)\b")


def _summaries_with_controls(html: str) -> list[str]:
    return [inner.strip()[:80] for inner in _SUMMARY.findall(html) if _CONTROL.search(inner)]


def test_the_company_tree_keeps_links_out_of_its_summaries(world: World, tree: Tree) -> None:
    client = login(world.admin)
    html = client.get(reverse("okrs:company") + f"?cycle={world.cycle.pk}").content.decode()
    assert f'href="{reverse("okrs:objective-detail", args=[tree.company_obj.pk])}"' in html
    assert 'class="tree-fold' in html  # the company objective has supporters to fold
    assert _summaries_with_controls(html) == []


def test_the_user_menu_has_no_separator_items_and_the_nav_folds(world: World) -> None:
    html = login(world.member).get(reverse("front:home")).content.decode()
    assert 'role="separator"' not in html
    assert re.search(
        r"<details class=\"navmenu\" data-nav-menu>\s*<summary[^>]*data-nav-toggle>Menu</summary>\s*<nav", html
    )
