"""The quarterly OKR meeting (issue 15, part 7): the walk top-down, one objective at a time,
approve / send back inline, meeting notes with their audit entries and action-item notifications,
and the page's query count."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from ambit.core.errors import Conflict
from ambit.core.models import AuditAction, AuditEntry
from ambit.notify.models import Kind, Notification
from ambit.okrs.models import Objective
from ambit.planning import notes, selectors
from ambit.planning.models import MeetingNote
from tests.builders import World, objective_with_krs
from tests.factories import CycleFactory
from tests.helpers import db_digest
from tests.planning.helpers import KRS, approval_on, member_proposal, team_proposal
from tests.querycount import assert_queries, count_queries

pytestmark = pytest.mark.django_db


def _tree(world: World) -> list[int]:
    """A company draft, Platform's proposal aligned to it, a member's proposal aligned to that, and
    an unaligned Sales draft: the walk's expected order is company → Platform → member → Sales."""
    company, _ = objective_with_krs(actor=world.champion, cycle=world.cycle, title="Win", team=world.company)
    team, _ = objective_with_krs(
        actor=world.lead,
        cycle=world.cycle,
        title="Platform",
        team=world.team,
        parents=[(company, 1.0)],
        key_results=KRS,
    )
    mine, _ = objective_with_krs(actor=world.member, cycle=world.cycle, title="Mine", parents=[(team, 1.0)])
    sales, _ = objective_with_krs(actor=world.champion, cycle=world.cycle, title="Sales", team=world.other_team)
    objective_with_krs(
        actor=world.champion, cycle=world.cycle, title="Done already", team=world.company, state="active"
    )
    return [company.pk, team.pk, mine.pk, sales.pk]


def test_the_walk_goes_top_down_through_the_alignment_tree(world: World) -> None:
    expected = _tree(world)
    assert [o.pk for o in selectors.meeting_walk(actor=world.champion, cycle=world.cycle)] == expected


def test_the_meeting_page_shows_one_objective_with_its_key_results_quality_and_parent(
    client: Client, world: World
) -> None:
    company_id, team_id, mine_id, _ = _tree(world)
    client.force_login(world.champion.user)
    url = reverse("planning:meeting", args=[world.cycle.pk])
    page = client.get(url, {"at": team_id})
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-meeting" in html and "Objective 2 of 4" in html
    assert "Weekly active users" in html and "p95 latency" in html  # key results
    assert "Quality" in html and "/100" in html
    assert reverse("okrs:objective-detail", args=[company_id]) in html  # aligned to
    assert f'href="?at={mine_id}"' in html and f'href="?at={company_id}"' in html  # next / previous
    assert 'data-key="approve"' in html and "<kbd>J</kbd>" in html  # buttons with their keys
    assert "style=" not in html and "<script>" not in html  # strict CSP: no inline style or script
    assert "planning/meeting.js" in html


def test_approving_in_the_meeting_moves_on_to_the_next_objective(client: Client, world: World) -> None:
    _, team_id, mine_id, _ = _tree(world)
    client.force_login(world.champion.user)
    here = reverse("planning:meeting", args=[world.cycle.pk])
    response = client.post(
        reverse("planning:approve", args=[team_id]), {"next": f"{here}?at={mine_id}", "back": f"{here}?at={team_id}"}
    )
    assert response.status_code == 302 and response["Location"] == f"{here}?at={mine_id}"
    assert Objective.objects.get(pk=team_id).state == "active"
    refused = client.post(reverse("planning:send-back", args=[mine_id]), {"comment": "", "back": f"{here}?at=1"})
    assert refused["Location"] == f"{here}?at=1"  # a refusal stays on the objective


def test_anyone_may_look_but_another_organisation_gets_404(client: Client, world: World) -> None:
    _tree(world)
    client.force_login(world.member.user)
    page = client.get(reverse("planning:meeting", args=[world.cycle.pk]))
    assert page.status_code == 200 and not page.context["can_take_notes"]
    client.force_login(world.outsider.user)
    assert client.get(reverse("planning:meeting", args=[world.cycle.pk])).status_code == 404
    assert client.get(reverse("planning:meeting-notes", args=[world.cycle.pk])).status_code == 404
    assert client.get(reverse("planning:publish", args=[world.cycle.pk])).status_code == 404


def test_the_meeting_page_costs_the_same_with_a_short_or_long_walk(client: Client, world: World) -> None:
    approval_on(world)
    team_proposal(world, title="First")
    member_proposal(world, title="Mine")
    client.force_login(world.champion.user)
    url = reverse("planning:meeting", args=[world.cycle.pk])
    client.get(url)
    with count_queries() as short:
        client.get(url)
    for i in range(5):
        team_proposal(world, title=f"More {i}")
        notes.meeting_note_add(actor=world.champion, cycle=world.cycle, text=f"Note {i}")
    with assert_queries(short):
        page = client.get(url)
    assert len(page.context["walk"]) == 7


# --- Notes ------------------------------------------------------------------------------------------


def test_an_action_item_is_audited_and_notifies_its_owner(world: World) -> None:
    objective = member_proposal(world)
    note = notes.meeting_note_add(
        actor=world.champion,
        cycle=world.cycle,
        kind="action",
        text="Find a baseline for churn",
        objective=objective,
        owner=world.lead,
        due_date="2026-12-15",
    )
    assert note.due_date is not None and note.due_date.isoformat() == "2026-12-15"
    entry = AuditEntry.objects.get(action=AuditAction.MEETING_NOTE_ADD, object_id=str(note.pk))
    assert entry.changes["text"] == "Find a baseline for churn"
    sent = Notification.objects.get(kind=Kind.MEETING_ACTION, recipient=world.lead)
    assert "Current quarter" in sent.title and "15 Dec 2026" in sent.title
    assert sent.body == "Find a baseline for churn"
    assert sent.url == reverse("planning:meeting-notes", args=[world.cycle.pk])
    assert sent.deliveries.filter(channel="in_app").exists()

    notes.meeting_note_update(actor=world.lead, note=note, done=True)  # the owner ticks it done
    note.refresh_from_db()
    assert note.done
    assert AuditEntry.objects.filter(action=AuditAction.MEETING_NOTE_UPDATE, object_id=str(note.pk)).count() == 1
    notes.meeting_note_update(actor=world.champion, note=note, owner=world.member)
    assert Notification.objects.filter(kind=Kind.MEETING_ACTION, recipient=world.member).count() == 1
    notes.meeting_note_delete(actor=world.champion, note=note)
    assert not MeetingNote.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.MEETING_NOTE_DELETE).count() == 1


def test_note_refusals(world: World) -> None:
    note = notes.meeting_note_add(actor=world.lead, cycle=world.cycle, kind="decision", text="Ship in Q3")
    closed = CycleFactory.create(organisation=world.org, name="Closed", state="closed")
    before = db_digest()
    with pytest.raises(PermissionDenied):
        notes.meeting_note_add(actor=world.member, cycle=world.cycle, text="Members do not take notes")
    with pytest.raises(PermissionDenied):
        notes.meeting_note_add(actor=world.viewer, cycle=world.cycle, text="Nor viewers")
    with pytest.raises(Http404):
        notes.meeting_note_add(actor=world.outsider, cycle=world.cycle, text="Nor outsiders")
    with pytest.raises(ValidationError) as bad:
        notes.meeting_note_add(actor=world.champion, cycle=world.cycle, kind="note", text="", owner=world.lead)
    assert set(bad.value.message_dict) == {"text", "owner"}
    with pytest.raises(ValidationError):
        notes.meeting_note_add(actor=world.champion, cycle=world.cycle, kind="action", text="x", due_date="soon")
    with pytest.raises(PermissionDenied):
        notes.meeting_note_update(actor=world.member, note=note, text="Mine now")
    with pytest.raises(PermissionDenied):
        notes.meeting_note_delete(actor=world.member, note=note)
    with pytest.raises(Conflict):
        notes.meeting_note_add(actor=world.champion, cycle=closed, text="Too late")
    assert db_digest() == before


def test_the_notes_page_lists_and_adds(client: Client, world: World) -> None:
    client.force_login(world.champion.user)
    url = reverse("planning:meeting-notes", args=[world.cycle.pk])
    response = client.post(url, {"kind": "decision", "text": "Focus on retention"}, follow=True)
    assert "Focus on retention" in response.content.decode()
    assert MeetingNote.objects.get().author_id == world.champion.pk
    client.force_login(world.member.user)
    assert client.post(url, {"kind": "note", "text": "No"}).status_code == 403
