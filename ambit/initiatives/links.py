"""An initiative's link to an issue tracker: the address is checked here, and shown by its key.

Pure (no database): ``clean_link`` is the one rule every surface applies, ``link_key`` what a page,
the API and the sheet show for it.

- GitHub: ``…/owner/repo/issues/123`` or ``…/owner/repo/pull/123`` → ``owner/repo#123``;
- GitLab: ``…/group/project/-/issues/123`` → ``group/project#123``, merge requests
  ``…/-/merge_requests/123`` → ``group/project!123`` (subgroups kept; self-hosted instances too,
  ``/-/`` marks them);
- Jira: ``…/browse/ABC-123`` or a board's ``?selectedIssue=ABC-123`` → ``ABC-123``;
- anything else: the host name.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from ambit.core.validation import clean_text

MAX_LINK = 500
LINK_MESSAGE = "Enter the full address of the issue, starting with https:// (or http://)."

_GITHUB = re.compile(r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+)/(?P<kind>issues|pull)/(?P<number>\d+)(?:/|$)")
_GITLAB = re.compile(r"^/(?P<project>.+?)/-/(?P<kind>issues|merge_requests|work_items)/(?P<number>\d+)(?:/|$)")
_JIRA_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")
_JIRA_BROWSE = re.compile(r"/browse/(?P<key>[A-Za-z][A-Za-z0-9_]*-\d+)(?:/|$)")
_url_validator = URLValidator(schemes=["http", "https"])


def clean_link(value: object) -> str:
    """The link as stored: stripped, empty allowed, else an http(s) address of at most 500 characters."""
    text = clean_text(value, field="link_url", label="link", max_length=MAX_LINK, single_line=True)
    if not text:
        return ""
    try:
        _url_validator(text)
    except ValidationError:
        raise ValidationError({"link_url": LINK_MESSAGE}) from None
    return text


def link_key(url: str) -> str:
    """How the link is shown: the issue's key in its tracker, else the host ("" for no link)."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path)
    if "github" in host:
        found = _GITHUB.match(path)
        if found:
            return f"{found['owner']}/{found['repo']}#{found['number']}"
    gitlab = _GITLAB.match(path)
    if gitlab:
        mark = "!" if gitlab["kind"] == "merge_requests" else "#"
        return f"{gitlab['project'].strip('/')}{mark}{gitlab['number']}"
    browse = _JIRA_BROWSE.search(path)
    if browse and _JIRA_KEY.match(browse["key"].upper()):
        return browse["key"].upper()
    for key in parse_qs(parts.query).get("selectedIssue", []):
        if _JIRA_KEY.match(key.strip().upper()):
            return key.strip().upper()
    return host.removeprefix("www.")
