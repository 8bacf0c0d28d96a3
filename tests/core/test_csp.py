"""The strict Content-Security-Policy: every page carries it, and no page needs more than it allows.

A policy without 'unsafe-inline' only works if our HTML holds no inline code: a ``style=""`` or
``on…=""`` attribute, or a ``<script>`` without ``src``, is silently ignored by the browser (a bar
drawn with no width, a button that does nothing). So besides the header, each page's HTML is
parsed and checked for all three. The browser side (no violation at run time, htmx and Swagger UI
included) is in ``e2e/``.
"""

from __future__ import annotations

import importlib
from html.parser import HTMLParser

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.builders import Tree, World, key_results_for
from tests.helpers import ClientResponse
from tests.okrs.conftest import login

pytestmark = pytest.mark.django_db

POLICY = "Content-Security-Policy"
POLICY_REPORT_ONLY = "Content-Security-Policy-Report-Only"
# JSON data blocks are not executed, so a policy does not apply to (or need to allow) them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCode(HTMLParser):
    """Collects what a strict policy blocks: style attributes, event-handler attributes,
    ``<style>`` elements and ``<script>`` elements without ``src`` (JSON data blocks aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, _value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script" and not names.get("src") and (names.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
            self.found.append("inline <script>")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def directives(header: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def assert_strict(response: ClientResponse) -> None:
    policy = directives(response[POLICY])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for name, sources in policy.items():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, name


def member_pages(world: World, tree: Tree) -> list[str]:
    """Every page the front and OKR page tests render, plus the forms and the sheet page."""
    return [
        reverse("front:home"),
        reverse("front:checkin"),
        reverse("front:settings"),
        reverse("front:kr-checkin", args=[tree.latency.pk]),
        reverse("accounts:members"),
        reverse("accounts:password_change"),
        reverse("apitokens:api-tokens"),
        reverse("okrs:objective-detail", args=[tree.team_obj.pk]),
        reverse("okrs:objective-detail", args=[tree.company_obj.pk]),
        reverse("okrs:objective-create"),
        reverse("okrs:objective-edit", args=[tree.team_obj.pk]),
        reverse("okrs:objective-cancel", args=[tree.team_obj.pk]),
        reverse("okrs:objective-align", args=[tree.team_obj.pk]),
        reverse("okrs:kr-create", args=[tree.team_obj.pk]),
        reverse("okrs:kr-edit", args=[tree.latency.pk]),
        reverse("okrs:kr-cascade", args=[tree.latency.pk]),
        reverse("okrs:team-list"),
        reverse("okrs:team-detail", args=[world.team.slug]),
        reverse("okrs:team-detail", args=[world.company.slug]) + f"?cycle={world.cycle.pk}",
        reverse("okrs:company"),
        reverse("okrs:company") + f"?cycle={world.cycle.pk}",
        reverse("dashboards:organisation"),
        reverse("okrs:cycle-list"),
        reverse("strategy:detail"),
        reverse("strategy:edit"),
        reverse("strategy:value-create"),
        reverse("strategy:big-move-create"),
        reverse("sheets:cycle", args=[world.cycle.pk]),
    ]


def test_every_member_page_carries_the_strict_policy_and_no_inline_code(world: World, tree: Tree) -> None:
    key_results_for(world.admin, world.cycle, world.admin, 2)
    client = login(world.admin)  # the admin sees every page, with every edit control on it
    for url in member_pages(world, tree):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict(response)
        assert inline_code(response.content.decode()) == [], url


@pytest.mark.parametrize("persona", ["member", "viewer"])
def test_read_pages_for_other_roles_have_no_inline_code(world: World, tree: Tree, persona: str) -> None:
    key_results_for(getattr(world, persona), world.cycle, world.admin, 2)
    client = login(getattr(world, persona))
    for url in [*member_pages(world, tree)[:3], reverse("okrs:objective-detail", args=[tree.team_obj.pk])]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url


@pytest.mark.parametrize(
    "name", ["accounts:login", "accounts:password_reset", "accounts:password_reset_done", "api:openapi-view"]
)
def test_anonymous_pages_carry_the_policy_and_no_inline_code(name: str) -> None:
    response = Client().get(reverse(name))
    assert response.status_code == 200
    assert_strict(response)
    assert inline_code(response.content.decode()) == []


def test_htmx_fragments_have_no_inline_code(world: World, tree: Tree) -> None:
    """The fragments HTMX swaps in (the quick check-in form, the tree's children) obey the same rule."""
    client = login(world.lead)
    for url in (
        reverse("front:kr-checkin", args=[tree.latency.pk]),
        reverse("okrs:tree-children", args=[tree.company_obj.pk]) + f"?cycle={world.cycle.pk}",
    ):
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url


def test_progress_bars_are_drawn_with_svg_geometry(world: World, tree: Tree) -> None:
    html = login(world.lead).get(reverse("okrs:objective-detail", args=[tree.team_obj.pk])).content.decode()
    assert '<rect class="progress-fill" width="' in html
    assert '<rect class="progress-marker" x="' in html


def test_htmx_is_configured_not_to_inject_styles_or_evaluate_code(world: World) -> None:
    import json
    import re

    html = login(world.member).get(reverse("front:home")).content.decode()
    found = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert found is not None
    config = json.loads(found.group(1))
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    # The pages' own refusals (form errors, sheet reports) are swapped in; server errors are not.
    handling = config["responseHandling"]
    assert {"code": "4(00|09|10|13|22|29)", "swap": True, "error": False} in handling
    assert handling[-1] == {"code": "[45]..", "swap": False, "error": True}


def test_the_checker_finds_inline_code() -> None:
    html = (
        '<p style="color:red" onclick="x()">a</p><script>alert(1)</script><style>p{}</style>'
        '<script src="/static/a.js"></script><script type="application/json">{}</script>'
    )
    assert inline_code(html) == [
        "<p style=…>",
        "<p onclick=…>",
        "inline <script>",
        "<style> element",
    ]


@pytest.mark.parametrize(
    ("flag", "sent", "absent"), [("1", POLICY_REPORT_ONLY, POLICY), ("0", POLICY, POLICY_REPORT_ONLY)]
)
def test_csp_report_only_env_var_switches_the_header(
    monkeypatch: pytest.MonkeyPatch, flag: str, sent: str, absent: str
) -> None:
    """CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only, and no
    enforcing header, so operators can watch for violations before enforcing it."""
    import ambit.settings as module

    enforced = Client().get(reverse("accounts:login"))[POLICY]
    monkeypatch.setenv("CSP_REPORT_ONLY", flag)
    try:
        fresh = importlib.reload(module)
        configured = {
            "CONTENT_SECURITY_POLICY": fresh.CONTENT_SECURITY_POLICY,
            "CONTENT_SECURITY_POLICY_REPORT_ONLY": fresh.CONTENT_SECURITY_POLICY_REPORT_ONLY,
        }
    finally:
        monkeypatch.undo()
        importlib.reload(module)
    with override_settings(**configured):
        response = Client().get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response[sent] == enforced
    assert absent not in response
