"""Comments: escaping, mentions that notify once and only those who may read, edit and delete by
the author (delete by admins too), soft delete in threads, rate limit, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ambit.core.models import AuditAction, AuditEntry
from ambit.discussion import mentions, selectors, services
from ambit.discussion.models import Comment, TargetKind
from ambit.notify.models import Kind, Notification
from ambit.okrs import services as okrs
from ambit.okrs.models import Objective
from tests import factories as f
from tests.builders import OkrData, World

pytestmark = pytest.mark.django_db


def _target(actor: object, obj: Objective) -> selectors.Target:
    return selectors.target_get(actor=actor, kind=TargetKind.OBJECTIVE, pk=obj.pk)  # type: ignore[arg-type]


def _mentions_to(member_id: int) -> list[Notification]:
    return list(Notification.objects.filter(kind=Kind.MENTION, recipient_id=member_id))


def test_bodies_render_escaped_with_only_stored_mentions_linked(world: World, okr_data: OkrData) -> None:
    body = (
        "<script>alert(1)</script> [click](javascript:alert(1)) **bold** <b>x</b>\n"
        "ask @member, not @nobody & bob@acme.test"
    )
    c = services.comment_add(actor=world.lead, target=_target(world.lead, okr_data.team_obj), body=body)
    html = mentions.render(c.body, c.mentions.all())
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[click](javascript:alert(1))" in html and 'href="javascript' not in html
    assert "**bold**" in html and "&amp; bob@acme.test" in html
    assert "<br>" in html
    # Only the stored mention is a link; unknown handles and ids stay text.
    assert html.count('class="mention"') == 1
    assert f'data-member="{world.member.pk}"' in html
    assert "@nobody" in html
    # A token naming someone not stored with the comment stays text.
    assert 'class="mention"' not in mentions.render(f"@[Fake](member:{world.admin.pk}) @admin", [])


def test_a_name_with_markup_is_escaped_in_its_mention(world: World, okr_data: OkrData) -> None:
    world.member.user.full_name = '<img src=x onerror="alert(1)">'
    world.member.user.save()
    c = services.comment_add(actor=world.lead, target=_target(world.lead, okr_data.team_obj), body="hi @member")
    html = mentions.render(c.body, c.mentions.all())
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_a_mention_notifies_each_person_once_and_not_the_author(world: World, okr_data: OkrData) -> None:
    target = _target(world.lead, okr_data.team_obj)
    body = f"@member please look; @member again; @[Admin](member:{world.admin.pk}) and me @lead"
    c = services.comment_add(actor=world.lead, target=target, body=body)
    assert {m.pk for m in c.mentions.all()} == {world.member.pk, world.admin.pk, world.lead.pk}
    (note,) = _mentions_to(world.member.pk)
    assert note.key == f"comment:{c.pk}" and note.url.endswith(f"#comment-{c.pk}")
    assert "mentioned you" in note.title
    assert len(_mentions_to(world.admin.pk)) == 1
    assert _mentions_to(world.lead.pk) == []  # the author
    # Editing keeps them notified once; a newly mentioned person is notified.
    services.comment_edit(actor=world.lead, comment=c, target=target, body=body + " and @champion")
    assert len(_mentions_to(world.member.pk)) == 1
    assert len(_mentions_to(world.champion.pk)) == 1


def test_mentions_on_a_private_objective_reach_only_those_who_can_see_it(world: World) -> None:
    private = okrs.objective_create(
        actor=world.member, cycle=world.cycle, title="My private goal", owner=world.member, visibility="private"
    )
    target = _target(world.member, private)
    c = services.comment_add(actor=world.member, target=target, body="@lead @viewer @champion have a look")
    assert {m.pk for m in c.mentions.all()} == {world.lead.pk, world.viewer.pk, world.champion.pk}
    assert len(_mentions_to(world.lead.pk)) == 1  # the owner's manager sees it
    assert len(_mentions_to(world.champion.pk)) == 1
    assert _mentions_to(world.viewer.pk) == []
    # And the viewer cannot read the thread at all.
    with pytest.raises(Http404):
        selectors.target_get(actor=world.viewer, kind=TargetKind.OBJECTIVE, pk=private.pk)
    with pytest.raises(Http404):
        selectors.comment_get(actor=world.viewer, comment_id=c.pk)


def test_a_shared_handle_is_refused_with_the_fix_and_the_explicit_form_works(world: World, okr_data: OkrData) -> None:
    one = f.MembershipFactory.create(user=f.UserFactory.create(email="sam@acme.test"), organisation=world.org)
    f.MembershipFactory.create(user=f.UserFactory.create(email="sam@example.org"), organisation=world.org)
    target = _target(world.lead, okr_data.team_obj)
    with pytest.raises(ValidationError) as exc:
        services.comment_add(actor=world.lead, target=target, body="hi @sam")
    assert "could be 2 people" in exc.value.message_dict["body"][0]
    assert not Comment.objects.filter(author=world.lead).exists()
    c = services.comment_add(actor=world.lead, target=target, body=f"hi @[Sam](member:{one.pk})")
    assert [m.pk for m in c.mentions.all()] == [one.pk]
    # Someone of another organisation cannot be mentioned by id.
    with pytest.raises(ValidationError):
        services.comment_add(actor=world.lead, target=target, body=f"@[X](member:{world.outsider.pk})")


def test_bad_bodies_are_refused_naming_the_field(world: World, okr_data: OkrData) -> None:
    target = _target(world.lead, okr_data.team_obj)
    for body in ("", "   ", "x" * 10_001, "bad\x00byte"):
        with pytest.raises(ValidationError) as exc:
            services.comment_add(actor=world.lead, target=target, body=body)
        assert "body" in exc.value.message_dict
    assert not Comment.objects.filter(author=world.lead).exists()


def test_edit_only_by_the_author_and_audited(world: World, okr_data: OkrData) -> None:
    target = _target(world.member, okr_data.team_obj)
    c = services.comment_add(actor=world.member, target=target, body="first")
    for other in (world.lead, world.admin, world.champion):
        with pytest.raises(PermissionDenied):
            services.comment_edit(actor=other, comment=c, target=target, body="hijacked")
    c.refresh_from_db()
    assert c.body == "first" and c.edited_at is None
    services.comment_edit(actor=world.member, comment=c, target=target, body="second")
    c.refresh_from_db()
    assert c.body == "second" and c.edited_at is not None
    entry = AuditEntry.objects.get(action=AuditAction.COMMENT_EDIT, object_id=str(c.pk))
    assert entry.changes["body"] == ["first", "second"] and entry.actor == world.member.user
    assert AuditEntry.objects.filter(action=AuditAction.COMMENT_ADD, object_id=str(c.pk)).count() == 1


def test_delete_by_the_author_or_an_admin_only(world: World, okr_data: OkrData) -> None:
    target = _target(world.member, okr_data.team_obj)
    mine = services.comment_add(actor=world.member, target=target, body="mine @lead")
    theirs = services.comment_add(actor=world.member, target=target, body="moderate me")
    for other in (world.lead, world.champion):
        with pytest.raises(PermissionDenied):
            services.comment_delete(actor=other, comment=mine)
    with pytest.raises(PermissionDenied):
        services.comment_delete(actor=world.viewer, comment=mine)
    services.comment_delete(actor=world.member, comment=mine)
    services.comment_delete(actor=world.admin, comment=theirs)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.is_deleted and mine.body == "" and list(mine.mentions.all()) == []
    assert theirs.deleted_by == world.admin
    by_admin = AuditEntry.objects.get(action=AuditAction.COMMENT_DELETE, object_id=str(theirs.pk))
    assert by_admin.actor == world.admin.user and by_admin.changes["by_author"] == [None, False]
    with pytest.raises(ValidationError):
        services.comment_edit(actor=world.member, comment=mine, target=target, body="back")


def test_soft_delete_keeps_a_thread_with_replies(world: World, okr_data: OkrData) -> None:
    target = _target(world.lead, okr_data.team_obj)
    top = services.comment_add(actor=world.lead, target=target, body="question")
    reply = services.comment_add(actor=world.member, target=target, body="answer", parent=top)
    # A reply to a reply joins the top-level comment's thread (one level).
    nested = services.comment_add(actor=world.lead, target=target, body="thanks", parent=reply)
    assert nested.parent_id == top.pk
    lonely = services.comment_add(actor=world.lead, target=target, body="alone")
    services.comment_delete(actor=world.lead, comment=top)
    services.comment_delete(actor=world.lead, comment=lonely)
    threads = selectors.thread(actor=world.member, target=target)
    shown = [(t.comment.pk, t.comment.is_deleted, [r.body for r in t.replies]) for t in threads]
    assert (top.pk, True, ["answer", "thanks"]) in shown
    assert lonely.pk not in [t.comment.pk for t in threads]
    with pytest.raises(ValidationError):
        services.comment_add(actor=world.member, target=target, body="late", parent=top)


def test_a_reply_must_belong_to_the_thread(world: World, okr_data: OkrData) -> None:
    on_team = services.comment_add(actor=world.lead, target=_target(world.lead, okr_data.team_obj), body="a")
    with pytest.raises(ValidationError) as exc:
        services.comment_add(
            actor=world.lead, target=_target(world.lead, okr_data.company_obj), body="b", parent=on_team
        )
    assert "parent_id" in exc.value.message_dict


def test_viewers_read_but_do_not_comment(world: World, okr_data: OkrData) -> None:
    target = _target(world.viewer, okr_data.team_obj)
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=world.viewer, target=target, body="hello")


def test_rate_limit_ten_a_minute(world: World, okr_data: OkrData) -> None:
    target = _target(world.lead, okr_data.team_obj)
    for i in range(services.RATE_LIMIT):
        services.comment_add(actor=world.lead, target=target, body=f"note {i}")
    with pytest.raises(services.CommentRateLimited) as exc:
        services.comment_add(actor=world.lead, target=target, body="one too many")
    assert exc.value.retry_after > 0 and "wait" in exc.value.message
    assert Comment.objects.filter(author=world.lead).count() == services.RATE_LIMIT
    # Someone else is not held back.
    services.comment_add(actor=world.member, target=target, body="mine")


def test_key_result_and_check_in_targets(world: World, okr_data: OkrData) -> None:
    kr_target = selectors.target_get(actor=world.member, kind=TargetKind.KEY_RESULT, pk=okr_data.kr.pk)
    c = services.comment_add(actor=world.member, target=kr_target, body="kr note")
    assert (c.kind, c.key_result_id, c.objective_id) == ("key_result", okr_data.kr.pk, okr_data.team_obj.pk)
    check_in = okr_data.kr.checkins.first()
    assert check_in is not None
    ci_target = selectors.target_get(actor=world.member, kind=TargetKind.CHECK_IN, pk=check_in.pk)
    c2 = services.comment_add(actor=world.member, target=ci_target, body="why 50?")
    assert (c2.kind, c2.check_in_id, c2.key_result_id) == ("check_in", check_in.pk, okr_data.kr.pk)
    assert selectors.key_result_counts(actor=world.member, objective=okr_data.team_obj) == {okr_data.kr.pk: 1}
    assert [x.comment.pk for x in selectors.thread(actor=world.member, target=ci_target)] == [c2.pk]
    for kind, pk in ((TargetKind.KEY_RESULT, okr_data.kr.pk), (TargetKind.CHECK_IN, check_in.pk)):
        with pytest.raises(Http404):
            selectors.target_get(actor=world.outsider, kind=kind, pk=pk)
