"""An initiative's link: http(s) only, shown by its issue key (GitHub, GitLab, Jira) or its host."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ambit.initiatives.links import LINK_MESSAGE, clean_link, link_key


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://github.com/acme/web/issues/12", "acme/web#12"),
        ("https://github.com/acme/web/pull/7/files", "acme/web#7"),
        ("https://github.example.com/acme/web/issues/3#issuecomment-1", "acme/web#3"),
        ("https://gitlab.com/group/sub/project/-/issues/5", "group/sub/project#5"),
        ("https://git.example.org/group/project/-/merge_requests/9/diffs", "group/project!9"),
        ("https://acme.atlassian.net/browse/ABC-123", "ABC-123"),
        ("https://jira.example.com/browse/plat-7", "PLAT-7"),
        ("https://acme.atlassian.net/jira/software/projects/ABC/boards/1?selectedIssue=ABC-77", "ABC-77"),
        ("https://www.notion.so/acme/Plan-1234", "notion.so"),
        ("https://github.com/acme/web", "github.com"),
        ("https://linear.app/acme/issue/ENG-12", "linear.app"),
        ("", ""),
    ],
)
def test_link_key(url: str, key: str) -> None:
    assert link_key(url) == key


def test_clean_link_keeps_http_and_https_and_strips() -> None:
    assert clean_link("  https://github.com/acme/web/issues/1  ") == "https://github.com/acme/web/issues/1"
    assert clean_link("http://jira.example.com/browse/A-1") == "http://jira.example.com/browse/A-1"
    assert clean_link("") == ""
    assert clean_link(None) == ""


@pytest.mark.parametrize(
    "bad", ["ftp://example.com/x", "javascript:alert(1)", "github.com/acme/web/issues/1", "https://", "mailto:a@b.c"]
)
def test_clean_link_refuses_anything_but_a_web_address(bad: str) -> None:
    with pytest.raises(ValidationError) as exc:
        clean_link(bad)
    assert exc.value.message_dict == {"link_url": [LINK_MESSAGE]}


def test_clean_link_refuses_a_link_too_long() -> None:
    with pytest.raises(ValidationError) as exc:
        clean_link("https://example.com/" + "a" * 500)
    assert "keep it within 500" in exc.value.message_dict["link_url"][0]
