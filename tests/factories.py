"""factory_boy factories for the core objects. Prefer services in tests of behaviour; use these
to build the world around the thing under test.

Each factory is a ``DjangoModelFactory[Model]``: call ``XFactory.create(...)`` (typed: it returns the
model) rather than ``XFactory(...)`` (the metaclass call is untyped and returns ``Any``). The
declarations come from their own modules because the ``factory`` package re-exports them implicitly.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from factory.declarations import LazyAttribute, LazyFunction, SelfAttribute, Sequence, SubFactory
from factory.django import DjangoModelFactory, Password
from factory.faker import Faker

from ambit.accounts.models import Membership, Organisation, Role, Team, TeamKind, TeamMember, User
from ambit.okrs.models import Cycle, CycleKind, CycleState, KeyResult, KeyResultKind, Objective, ObjectiveState


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = Sequence(lambda n: f"person{n}@example.com")
    full_name = Faker("name")
    password = Password("pw-for-tests-1")


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = Sequence(lambda n: f"Org {n}")
    slug = Sequence(lambda n: f"org-{n}")


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = SubFactory(UserFactory)
    organisation = SubFactory(OrganisationFactory)
    role = Role.MEMBER


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    organisation = SubFactory(OrganisationFactory)
    name = Sequence(lambda n: f"Team {n}")
    slug = Sequence(lambda n: f"team-{n}")
    kind = TeamKind.TEAM


class TeamMemberFactory(DjangoModelFactory[TeamMember]):
    class Meta:
        model = TeamMember

    team = SubFactory(TeamFactory)
    membership = SubFactory(MembershipFactory)
    is_lead = False


def _quarter_around_today() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    q = (today.month - 1) // 3
    start = dt.date(today.year, 3 * q + 1, 1)
    end = dt.date(today.year + (1 if q == 3 else 0), 1 if q == 3 else 3 * q + 4, 1) - dt.timedelta(days=1)
    return start, end


class CycleFactory(DjangoModelFactory[Cycle]):
    class Meta:
        model = Cycle

    organisation = SubFactory(OrganisationFactory)
    name = Sequence(lambda n: f"Cycle {n}")
    kind = CycleKind.QUARTER
    start_date = LazyFunction(lambda: _quarter_around_today()[0])
    end_date = LazyFunction(lambda: _quarter_around_today()[1])
    state = CycleState.ACTIVE


class ObjectiveFactory(DjangoModelFactory[Objective]):
    class Meta:
        model = Objective

    organisation = SelfAttribute("cycle.organisation")
    cycle = SubFactory(CycleFactory)
    title = Sequence(lambda n: f"Objective {n}")
    owner = SubFactory(MembershipFactory, organisation=SelfAttribute("..organisation"))
    team = None
    level = LazyAttribute(lambda o: o.team.kind if o.team else "individual")
    state = ObjectiveState.ACTIVE


class KeyResultFactory(DjangoModelFactory[KeyResult]):
    class Meta:
        model = KeyResult

    objective = SubFactory(ObjectiveFactory)
    organisation = SelfAttribute("objective.organisation")
    owner = SelfAttribute("objective.owner")
    title = Sequence(lambda n: f"Key result {n}")
    kind = KeyResultKind.INCREASE
    start_value = 0
    target_value = 100
