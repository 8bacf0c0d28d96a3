"""Reading comments: the target a comment is about, its thread and the people one may mention.

Every read is scoped to the acting member's organisation and to the objectives they may see
(``okrs.selectors.objective_base``): a comment is readable exactly when its objective is (an
initiative's comments: its key result's objective). A KPI's comments have no objective: they are
readable by whoever may see the KPI (``kpis.selectors.kpi_queryset``). Anything else is a 404,
whether it exists in another organisation or is private here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from ambit.accounts.models import Membership
from ambit.discussion.models import Comment, TargetKind
from ambit.initiatives.models import Initiative
from ambit.kpis.models import Kpi
from ambit.kpis.selectors import kpi_get, kpi_queryset
from ambit.okrs.models import CheckIn, KeyResult, Objective, Visibility
from ambit.okrs.selectors import objective_base

# The URL segment of each kind of target (web and API paths).
SLUGS = {
    TargetKind.OBJECTIVE: "objective",
    TargetKind.KEY_RESULT: "key-result",
    TargetKind.CHECK_IN: "check-in",
    TargetKind.INITIATIVE: "initiative",
    TargetKind.KPI: "kpi",
}
KINDS_BY_SLUG = {slug: kind for kind, slug in SLUGS.items()}


@dataclass
class Target:
    """What a comment is about: its kind and the objects that name it. ``objective`` is set on every
    OKR target (an initiative's too), empty on a KPI's."""

    kind: TargetKind
    objective: Objective | None
    key_result: KeyResult | None = None
    check_in: CheckIn | None = None
    initiative: Initiative | None = None
    kpi: Kpi | None = None

    @property
    def pk(self) -> int:
        obj = self.kpi or self.initiative or self.check_in or self.key_result or self.objective
        assert obj is not None
        return int(obj.pk)

    @property
    def organisation_id(self) -> int:
        owner = self.kpi or self.objective
        assert owner is not None
        return int(owner.organisation_id)

    @property
    def objective_id(self) -> int | None:
        return self.objective.pk if self.objective is not None else None

    @property
    def slug(self) -> str:
        return SLUGS[self.kind]

    @property
    def title(self) -> str:
        if self.kpi is not None:
            return f"the KPI “{self.kpi.name}”"
        if self.initiative is not None:
            return f"the initiative “{self.initiative.title}”"
        if self.check_in is not None and self.key_result is not None:
            return f"a check-in on “{self.key_result.title}”"
        if self.key_result is not None:
            return f"“{self.key_result.title}”"
        assert self.objective is not None
        return f"“{self.objective.title}”"

    @property
    def url(self) -> str:
        """Where the comments on this target are read: the KPI's page, else the objective's."""
        if self.kpi is not None:
            return reverse("kpis:detail", args=[self.kpi.pk])
        assert self.objective is not None
        return reverse("okrs:objective-detail", args=[self.objective.pk])

    def filter(self) -> Q:
        """The comments of this target's thread."""
        key = {
            TargetKind.OBJECTIVE: "objective_id",
            TargetKind.KEY_RESULT: "key_result_id",
            TargetKind.CHECK_IN: "check_in_id",
            TargetKind.INITIATIVE: "initiative_id",
            TargetKind.KPI: "kpi_id",
        }[self.kind]
        return Q(kind=self.kind, **{key: self.pk})


def _visible(actor: Membership, objective: Objective) -> bool:
    """Whether ``actor`` may see ``objective`` (no query when it is public or their own)."""
    if objective.organisation_id != actor.organisation_id or not actor.is_active:
        return False
    if actor.is_org_wide_editor or objective.visibility == Visibility.PUBLIC or objective.owner_id == actor.pk:
        return True
    return objective_base(actor=actor).filter(pk=objective.pk).exists()


def _kpi_visible(actor: Membership, kpi: Kpi) -> bool:
    """Whether ``actor`` may see ``kpi``: the KPI pages' own rule (``kpis.selectors``)."""
    if kpi.organisation_id != actor.organisation_id or not actor.is_active:
        return False
    return kpi_queryset(actor).filter(pk=kpi.pk).exists()


def can_read(member: Membership, target: Target) -> bool:
    """Whether ``member`` may read the comments of ``target`` (who a mention may notify)."""
    if target.kind == TargetKind.KPI:
        assert target.kpi is not None
        return _kpi_visible(member, target.kpi)
    assert target.objective is not None
    return _visible(member, target.objective)


def target_get(*, actor: Membership, kind: str, pk: int) -> Target:
    """The target, 404 outside the actor's organisation or when they may not see it (its objective)."""
    if kind == TargetKind.OBJECTIVE:
        objective = Objective.objects.filter(organisation_id=actor.organisation_id, pk=pk).first()
        if objective is None or not _visible(actor, objective):
            raise Http404("No such objective.")
        return Target(TargetKind.OBJECTIVE, objective)
    if kind == TargetKind.KEY_RESULT:
        kr = KeyResult.objects.filter(organisation_id=actor.organisation_id, pk=pk).select_related("objective").first()
        if kr is None or not _visible(actor, kr.objective):
            raise Http404("No such key result.")
        return Target(TargetKind.KEY_RESULT, kr.objective, key_result=kr)
    if kind == TargetKind.CHECK_IN:
        check_in = (
            CheckIn.objects.filter(organisation_id=actor.organisation_id, pk=pk)
            .select_related("key_result__objective")
            .first()
        )
        if check_in is None or not _visible(actor, check_in.key_result.objective):
            raise Http404("No such check-in.")
        return Target(TargetKind.CHECK_IN, check_in.key_result.objective, check_in.key_result, check_in)
    if kind == TargetKind.INITIATIVE:
        initiative = (
            Initiative.objects.filter(organisation_id=actor.organisation_id, pk=pk)
            .select_related("key_result__objective")
            .first()
        )
        if initiative is None or not _visible(actor, initiative.key_result.objective):
            raise Http404("No such initiative.")
        kr = initiative.key_result
        return Target(TargetKind.INITIATIVE, kr.objective, key_result=kr, initiative=initiative)
    if kind == TargetKind.KPI:
        if not actor.is_active:
            raise Http404("No such KPI.")
        return Target(TargetKind.KPI, None, kpi=kpi_get(actor=actor, kpi_id=pk))
    raise Http404("No such kind of comment target.")


def target_of(comment: Comment) -> Target:
    """The target of a comment loaded by ``comment_get`` (no query)."""
    return Target(
        TargetKind(comment.kind),
        comment.objective,
        comment.key_result,
        comment.check_in,
        comment.initiative,
        comment.kpi,
    )


def comment_get(*, actor: Membership, comment_id: int) -> Comment:
    """A comment the actor may read (its objective, or its KPI, visible to them), with its target;
    404 otherwise."""
    comment = (
        Comment.objects.filter(organisation_id=actor.organisation_id, pk=comment_id)
        .select_related("objective", "key_result", "check_in", "initiative", "kpi", "author__user")
        .first()
    )
    if comment is None or not can_read(actor, target_of(comment)):
        raise Http404("No such comment.")
    return comment


@dataclass
class ThreadComment:
    """A top-level comment with its replies, as a thread shows them."""

    comment: Comment
    replies: list[Comment] = field(default_factory=list)


def _comments(target: Target) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(organisation_id=target.organisation_id)
        .filter(target.filter())
        .select_related("author__user")
        .prefetch_related(Prefetch("mentions", queryset=Membership.objects.select_related("user")))
        .order_by("created_at", "id")
    )


def comment_queryset(*, actor: Membership, target: Target) -> QuerySet[Comment]:
    """The comments of the target's thread, oldest first (deleted ones included, blanked), with
    their authors and mentioned members (one query more for those)."""
    if target.organisation_id != actor.organisation_id:
        raise Http404("Not found.")
    return _comments(target)


def comment_list(*, actor: Membership, target: Target) -> list[Comment]:
    return list(comment_queryset(actor=actor, target=target))


def thread(*, actor: Membership, target: Target) -> list[ThreadComment]:
    """The target's thread: top-level comments oldest first, each with its replies. A deleted
    comment stays (as "Comment deleted") only while it has replies that are not deleted."""
    rows = comment_list(actor=actor, target=target)
    tops: dict[int, ThreadComment] = {}
    for c in rows:
        if c.parent_id is None:
            tops[c.pk] = ThreadComment(c)
    for c in rows:
        if c.parent_id is not None and c.parent_id in tops and not c.is_deleted:
            tops[c.parent_id].replies.append(c)
    return [t for t in tops.values() if not t.comment.is_deleted or t.replies]


def key_result_counts(*, actor: Membership, objective: Objective) -> dict[int, int]:
    """The number of live comments on each of the objective's key results, in one query."""
    if objective.organisation_id != actor.organisation_id:
        raise Http404("Not found.")
    rows = (
        Comment.objects.filter(
            organisation_id=actor.organisation_id,
            objective=objective,
            kind=TargetKind.KEY_RESULT,
            deleted_at__isnull=True,
        )
        .values("key_result_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["key_result_id"]: r["n"] for r in rows}


def initiative_counts(*, actor: Membership, initiatives: list[Initiative]) -> dict[int, int]:
    """The number of live comments on each of these initiatives (loaded through the initiatives'
    selectors: visible to the actor), in one query; none when the list is empty."""
    ids = [i.pk for i in initiatives if i.organisation_id == actor.organisation_id]
    if not ids:
        return {}
    rows = (
        Comment.objects.filter(
            organisation_id=actor.organisation_id,
            kind=TargetKind.INITIATIVE,
            initiative_id__in=ids,
            deleted_at__isnull=True,
        )
        .values("initiative_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["initiative_id"]: r["n"] for r in rows}


def mention_candidates(*, actor: Membership, query: str, limit: int = 8) -> list[Membership]:
    """Active members of the actor's organisation whose name or email starts with ``query``
    (or whose name has a word starting with it), for the "@" picker."""
    q = query.strip().lstrip("@")
    if not q:
        return []
    return list(
        Membership.objects.filter(organisation_id=actor.organisation_id, is_active=True)
        .filter(
            Q(user__full_name__istartswith=q) | Q(user__full_name__icontains=f" {q}") | Q(user__email__istartswith=q)
        )
        .select_related("user")
        .order_by("user__full_name", "user__email")[:limit]
    )
