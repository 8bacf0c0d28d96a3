"""Personas per organisation: admin, champion, lead, member, viewer — and an outsider from another
organisation — so permission tests are one-liners."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from ambit.accounts.models import Membership, Organisation, Role, Team, TeamKind
from ambit.okrs.models import Cycle
from tests import factories as f


@dataclass
class World:
    org: Organisation
    company: Team
    team: Team
    other_team: Team
    admin: Membership
    champion: Membership
    lead: Membership
    member: Membership
    viewer: Membership
    outsider: Membership
    other_org: Organisation
    cycle: Cycle


def _member(org: Organisation, email: str, role: str) -> Membership:
    return f.MembershipFactory(user=f.UserFactory(email=email), organisation=org, role=role)


def build_world() -> World:
    org = f.OrganisationFactory(name="Acme", slug="acme")
    other = f.OrganisationFactory(name="Globex", slug="globex")
    company = f.TeamFactory(organisation=org, name="Acme", slug="acme-co", kind=TeamKind.COMPANY)
    team = f.TeamFactory(organisation=org, name="Platform", slug="platform", parent=company)
    other_team = f.TeamFactory(organisation=org, name="Sales", slug="sales", parent=company)
    admin = _member(org, "admin@acme.test", Role.ADMIN)
    champion = _member(org, "champion@acme.test", Role.CHAMPION)
    lead = _member(org, "lead@acme.test", Role.MEMBER)
    member = _member(org, "member@acme.test", Role.MEMBER)
    member.manager = lead
    member.save()
    viewer = _member(org, "viewer@acme.test", Role.VIEWER)
    outsider = _member(other, "outsider@globex.test", Role.ADMIN)
    f.TeamMemberFactory(team=team, membership=lead, is_lead=True)
    f.TeamMemberFactory(team=team, membership=member)
    cycle = f.CycleFactory(organisation=org, name="Current quarter")
    return World(org, company, team, other_team, admin, champion, lead, member, viewer, outsider, other, cycle)


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return build_world()
