"""factory_boy factories for the core objects. Prefer services in tests of behaviour; use these
to build the world around the thing under test."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from ambit.accounts.models import Membership, Organisation, Role, Team, TeamKind, TeamMember, User
from ambit.okrs.models import Cycle, CycleKind, CycleState, KeyResult, KeyResultKind, Objective, ObjectiveState


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password("pw-for-tests-1")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.MEMBER


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    kind = TeamKind.TEAM


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    team = factory.SubFactory(TeamFactory)
    membership = factory.SubFactory(MembershipFactory)
    is_lead = False


def _quarter_around_today() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    q = (today.month - 1) // 3
    start = dt.date(today.year, 3 * q + 1, 1)
    end = dt.date(today.year + (1 if q == 3 else 0), 1 if q == 3 else 3 * q + 4, 1) - dt.timedelta(days=1)
    return start, end


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cycle

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Cycle {n}")
    kind = CycleKind.QUARTER
    start_date = factory.LazyFunction(lambda: _quarter_around_today()[0])
    end_date = factory.LazyFunction(lambda: _quarter_around_today()[1])
    state = CycleState.ACTIVE


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    organisation = factory.SelfAttribute("cycle.organisation")
    cycle = factory.SubFactory(CycleFactory)
    title = factory.Sequence(lambda n: f"Objective {n}")
    owner = factory.SubFactory(MembershipFactory, organisation=factory.SelfAttribute("..organisation"))
    team = None
    level = factory.LazyAttribute(lambda o: o.team.kind if o.team else "individual")
    state = ObjectiveState.ACTIVE


class KeyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyResult

    objective = factory.SubFactory(ObjectiveFactory)
    organisation = factory.SelfAttribute("objective.organisation")
    owner = factory.SelfAttribute("objective.owner")
    title = factory.Sequence(lambda n: f"Key result {n}")
    kind = KeyResultKind.INCREASE
    start_value = 0
    target_value = 100
