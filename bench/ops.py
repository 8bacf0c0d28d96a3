"""The operations the benchmark measures: one definition shared by the load run (locustfile.py)
and the instrumented pass that counts SQL queries (queries.py). No Django imports here."""

from __future__ import annotations

import html.parser
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class Op:
    name: str
    label: str
    method: str  # GET, POST (a web form) or API-POST (JSON with a bearer token)
    persona: str  # "members" or "leads": who does this, see fixture.py
    api: bool = False
    paged: bool = True  # the page shows a bounded slice, so its cost should not grow with the organisation

    def path(self, fixture: dict[str, Any], person: dict[str, Any]) -> str:
        return {
            "floor": "/accounts/password/change/",
            "my_week": "/",
            "checkin_page": "/check-in/",
            "checkin_web": "/check-in/",
            "checkin_api": f"/api/v1/key-results/{person.get('key_result_id')}/check-ins",
            "objective": f"/objectives/{person.get('objective_id')}/",
            "team": f"/teams/{person.get('team_slug')}/",
            "company_tree": "/company/",
            "dashboard": "/dashboard/",
            "api_objectives": f"/api/v1/objectives?cycle_id={fixture['cycle_id']}",
            "api_tree": f"/api/v1/cycles/{fixture['cycle_id']}/tree",
            "digest": "/digest/",
            "standup": f"/standups/{person.get('own_team_slug') or person.get('team_slug')}/",
            "team_meeting": f"/teams/{person.get('team_slug')}/check-in-meeting/",
            "sprint": f"/teams/{person.get('team_slug')}/sprints/now/",
            "oneonone": f"/one-on-ones/{person.get('one_on_one_id')}/",
            "team_dashboard": f"/teams/{person.get('team_slug')}/dashboard/",
            "person_dashboard": f"/people/{person.get('membership_id')}/dashboard/",
            "scoring": f"/cycles/{fixture['cycle_id']}/scoring/",
            "present": f"/cycles/{fixture['cycle_id']}/present/",
        }[self.name]


OPS: list[Op] = [
    Op("floor", "floor: password change page", "GET", "members"),
    Op("my_week", "my week", "GET", "members"),
    Op("checkin_page", "weekly check-in page", "GET", "members"),
    Op("checkin_web", "weekly check-in submit (web)", "POST", "members"),
    Op("checkin_api", "check-in POST (API)", "API-POST", "members", api=True),
    Op("objective", "objective page", "GET", "members"),
    Op("team", "team page (as its lead)", "GET", "leads"),
    Op("company_tree", "company alignment tree", "GET", "members"),
    # Not paged: its heat map has a cell for every team of the top two levels of the tree.
    Op("dashboard", "organisation dashboard", "GET", "members", paged=False),
    Op("api_objectives", "API objective list (first page)", "GET", "members", api=True),
    Op("api_tree", "API alignment tree", "GET", "members", api=True),
    # Not paged: the organisation's weekly digest reads every public key result of the running
    # cycles (its lists show ten each). Built once and kept for an hour (notify.digest.cached_digest),
    # so "queries" reads kept / built.
    Op("digest", "organisation weekly digest", "GET", "members", paged=False),
    # The day's standup of the person's team (issue 16): read every day by everyone in the team.
    Op("standup", "team standup page", "GET", "members"),
    # The bi-weekly team check-in in meeting mode (issue 16): the team's key results behind and at
    # risk first with what moved since the last meeting, and the actions carried over.
    Op("team_meeting", "team check-in meeting mode (as the team's lead)", "GET", "leads"),
    # A team's sprint plan (issue 16): its key results behind pace first, with their initiatives,
    # confidence trends and blockers, as the team's lead plans the sprint.
    Op("sprint", "sprint planning page (as the team's lead)", "GET", "leads"),
    # A manager's 1:1 with a report (issue 16): the agenda from the report's key results, their
    # standup blockers and weekly reflections since the last meeting.
    Op("oneonone", "1:1 page with its agenda (as the manager)", "GET", "leads"),
    # The team dashboard (issue 17): the lead's team and every team below it, cached per data
    # version like the organisation's; its cost follows the subtree, not the organisation.
    Op("team_dashboard", "team dashboard (as the team's lead)", "GET", "leads"),
    # A person's own dashboard (issue 17): their key results, confidence trend and discipline.
    Op("person_dashboard", "person dashboard (their own)", "GET", "members"),
    # The owner's scoring page (issue 17): their objectives and key results in the cycle with the
    # suggested score, verdict, confidence history and final check-in.
    Op("scoring", "scoring page (their own OKRs)", "GET", "members"),
    # The all-hands slides (issue 17): company OKRs, one slide per department, the quarter's wins.
    Op("present", "presentation mode (the all-hands slides)", "GET", "members"),
]
OPS_BY_NAME = {op.name: op for op in OPS}

# The interleaved writes-plus-reads run (``mix``): each simulated person goes through these in
# these proportions (requests out of 100) — mostly reading their week and their objectives,
# checking in on the web (the page, then the submit) or through an integration, and now and then
# the dashboard and their team's page (as its lead).
MIX: dict[str, int] = {
    "my_week": 25,
    "checkin_page": 10,
    "checkin_web": 10,
    "checkin_api": 15,
    "objective": 20,
    "dashboard": 10,
    "team": 10,
}


def mix_schedule() -> list[str]:
    """One cycle of the mix (100 requests), each operation spread evenly through it (smooth
    weighted round robin), so that even a few seconds of it keep the proportions."""
    total = sum(MIX.values())
    current = dict.fromkeys(MIX, 0)
    out = []
    for _ in range(total):
        for name, weight in MIX.items():
            current[name] += weight
        pick = max(current, key=lambda name: current[name])
        current[pick] -= total
        out.append(pick)
    return out


# A fixed CSRF secret: Django accepts the unmasked 32-character secret in the form when it matches
# the cookie, so the load run needs no extra request to fetch one.
CSRF_SECRET = "benchbenchbenchbenchbenchbench12"


def cookie_header(person: dict[str, Any]) -> str:
    return f"sessionid={person['session']}; csrftoken={CSRF_SECRET}"


class _FormFields(html.parser.HTMLParser):
    """Collect what a browser would submit from the weekly check-in page's form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._in_form = False
        self.radios: dict[str, str] = {}  # radio group → its first value, for groups nobody chose yet

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post" and "check-in" in a.get("action", "/check-in/"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "radio":
                self.radios.setdefault(name, a.get("value", ""))
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button"):
                return
            self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def checkin_form(page: str) -> list[tuple[str, str]]:
    """The weekly check-in form's fields as the page shows them (the CSRF field replaced)."""
    parser = _FormFields()
    parser.feed(page)
    fields = [(k, v) for k, v in parser.fields if k != "csrfmiddlewaretoken"]
    chosen = {k for k, _ in fields}
    fields += [(name, value) for name, value in parser.radios.items() if name not in chosen]
    if not any(k.endswith("-value") for k, _ in fields):
        raise ValueError("the weekly check-in page shows no key result to check in")
    return [("csrfmiddlewaretoken", CSRF_SECRET), *fields]


def bump_values(fields: list[tuple[str, str]], turn: int) -> list[tuple[str, str]]:
    """A new value for every numeric key result, alternating so each submit records a change.

    Values are written as plain decimals (the form refuses exponents such as 1.2e+06), and each
    row carries its "Save anyway" tick: a first value of 1 can lie far outside a key result's
    range, which the form would otherwise hold back for confirmation.
    """
    out = []
    for k, v in fields:
        if k.endswith("-value") and not v.strip():
            v = "1"  # a key result never checked in: the person enters its first value
        elif k.endswith("-value") and v not in ("0", "1"):
            try:
                number = Decimal(v.replace(",", "").replace("%", "").strip())
            except InvalidOperation:
                number = Decimal(0)
            v = format(number + (1 if turn % 2 == 0 else -1), "f")
        out.append((k, v))
        if k.endswith("-value"):
            out.append((k[: -len("-value")] + "-confirm", "1"))
    return out
