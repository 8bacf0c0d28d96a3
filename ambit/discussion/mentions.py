"""Mentions in a comment's plain text, and the text rendered escaped with its mentions linked.

Two forms, both plain text, so an API client can write them as easily as the page's picker:

- ``@handle``: the part of a member's email address before the ``@`` ("@sam" for sam@acme.test),
  when exactly one active member of the organisation has it; two or more make the comment refused
  with the fix (pick the person from the list), none leaves the text as it is ("@home");
- ``@[Full Name](member:123)``: one member by id, what the picker writes when a handle is shared.

The mentioned members are stored with the comment at write time, and rendering links only those:
a handle that later becomes ambiguous, or a member who leaves, never re-points an old mention.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from ambit.accounts.models import Membership

MAX_MENTIONS = 20
_EXPLICIT = r"@\[(?P<label>[^\]\n]{1,150})\]\(member:(?P<id>\d{1,12})\)"
_HANDLE = r"(?<![\w.@])@(?P<handle>[A-Za-z0-9][A-Za-z0-9._%+-]{0,63})"
TOKEN = re.compile(f"{_EXPLICIT}|{_HANDLE}")
_TRAILING = "._-+%"


def handle_of(member: Membership) -> str:
    """The member's handle: their email address before the ``@``, lower case."""
    return member.user.email.split("@", 1)[0].lower()


def _split_handle(raw: str) -> tuple[str, str]:
    """``("sam", ".")`` for "sam." at the end of a sentence: the handle and what trails it."""
    handle = raw.rstrip(_TRAILING)
    return handle.lower(), raw[len(handle) :]


def tokens(body: str) -> tuple[set[int], set[str]]:
    """The member ids and the handles written in ``body``."""
    ids: set[int] = set()
    handles: set[str] = set()
    for match in TOKEN.finditer(body):
        if match.group("id"):
            ids.add(int(match.group("id")))
        else:
            handle, _ = _split_handle(match.group("handle"))
            if handle:
                handles.add(handle)
    return ids, handles


def resolve(body: str, *, organisation_id: int, field: str = "body") -> list[Membership]:
    """The active members of the organisation that ``body`` mentions (at most two queries).

    Raises ValidationError on ``field`` for a member id that is not one of them, a handle two
    people share, or more than MAX_MENTIONS people."""
    ids, handles = tokens(body)
    if not ids and not handles:
        return []
    if len(ids) + len(handles) > MAX_MENTIONS:
        raise ValidationError({field: f"Mention at most {MAX_MENTIONS} people in one comment."})
    members = Membership.objects.filter(organisation_id=organisation_id, is_active=True).select_related("user")
    found: dict[int, Membership] = {}
    if ids:
        found.update({m.pk: m for m in members.filter(pk__in=ids)})
        missing = sorted(ids - found.keys())
        if missing:
            raise ValidationError(
                {field: f"The mention of member {missing[0]} names no one in your organisation: pick the person again."}
            )
    if handles:
        q = Q()
        for handle in sorted(handles):
            q |= Q(user__email__istartswith=f"{handle}@")
        by_handle: dict[str, list[Membership]] = {}
        for m in members.filter(q):
            by_handle.setdefault(handle_of(m), []).append(m)
        for handle in sorted(handles):
            people = by_handle.get(handle, [])
            if len(people) > 1:
                raise ValidationError(
                    {
                        field: f"“@{handle}” could be {len(people)} people: type @ and pick the person from the "
                        "list (it writes @[Name](member:id))."
                    }
                )
            if people:
                found.setdefault(people[0].pk, people[0])
    return sorted(found.values(), key=lambda m: m.pk)


def token_for(member: Membership, *, unique_handle: bool) -> str:
    """What the picker inserts for ``member``: ``@handle`` when no one else has it."""
    if unique_handle:
        return f"@{handle_of(member)}"
    name = member.user.get_full_name().replace("]", "").replace("\n", " ")[:150]
    return f"@[{name}](member:{member.pk})"


def _link(member: Membership) -> SafeString:
    return format_html(
        '<a class="mention" href="mailto:{}" data-member="{}">@{}</a>',
        member.user.email,
        member.pk,
        member.user.get_full_name(),
    )


def _text(text: str) -> str:
    return str(escape(text)).replace("\n", "<br>\n")


def render(body: str, mentioned: Iterable[Membership]) -> SafeString:
    """``body`` as HTML: every character escaped, line breaks kept, and the mentions that were
    stored with it linked. Nothing else becomes markup: ``<script>`` and ``[a](javascript:…)``
    stay visible text."""
    by_id = {m.pk: m for m in mentioned}
    by_handle = {handle_of(m): m for m in by_id.values()}
    out: list[str] = []
    position = 0
    for match in TOKEN.finditer(body):
        out.append(_text(body[position : match.start()]))
        position = match.end()
        if match.group("id"):
            member = by_id.get(int(match.group("id")))
            out.append(str(_link(member)) if member else _text(match.group(0)))
            continue
        handle, trailing = _split_handle(match.group("handle"))
        member = by_handle.get(handle)
        out.append(str(_link(member)) + _text(trailing) if member else _text(match.group(0)))
    out.append(_text(body[position:]))
    # Every piece above is escaped (_text) or built by format_html (_link).
    return mark_safe("".join(out))
