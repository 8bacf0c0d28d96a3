"""One validation for every surface: the services clean every free text they store with
``ambit.core.validation`` (control characters, lengths) and check weights with ``check_weight``;
the web form, the API and the sheet import show the same message for the same input."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ambit.accounts import services as accounts
from ambit.api.services import api_token_create
from ambit.core.params import parse_id, parse_ids, parse_page
from ambit.core.services import plain_number, quoted, to_decimal
from ambit.core.validation import MAX_LONG_TEXT, MAX_REASON, TextRule, clean_texts
from ambit.okrs import services as okrs
from ambit.okrs.models import CheckIn, KeyResult, Objective
from ambit.sheets.services import sheet_import
from ambit.strategy import services as strategy
from tests.builders import World
from tests.helpers import db_digest
from tests.sheets.helpers import csv_bytes, row

pytestmark = pytest.mark.django_db

HUGE = "x" * 32_767
WEIGHT_MESSAGE = "The weight must be at most 1,000 (1 is the default)."
DESCRIPTION_MESSAGE = "The description is 32,767 characters long: keep it within 10,000."


def _refused(call: Callable[[], object], field: str, *, contains: str) -> list[str]:
    before = db_digest()
    with pytest.raises(ValidationError) as exc:
        call()
    assert db_digest() == before
    messages = exc.value.message_dict[field]
    assert any(contains in m for m in messages), messages
    return messages


# --- the small shared helpers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        ("9" * 5000, None),
        ("²", None),
        ("٣", None),
        ("0", None),
        ("-1", None),
        ("1e3", None),
        ("", None),
        (None, None),
        (3, None),
    ],
)
def test_parse_id_takes_only_ascii_digits_within_bigint(raw: int | str | None, expected: int | None) -> None:
    assert parse_id(raw) == expected


def test_parse_ids_and_pages_drop_what_is_not_a_number() -> None:
    assert parse_ids(["3", "²", "9" * 5000, "4", "3"]) == {3, 4}
    assert parse_page("²") == 1 and parse_page("100000") == 1 and parse_page("12") == 12


@pytest.mark.parametrize("raw", ["1e1000000", "-1e1000000", "1e999999999"])
def test_to_decimal_refuses_numbers_beyond_the_decimal_context_with_the_range_message(raw: str) -> None:
    with pytest.raises(ValidationError) as exc:
        to_decimal(raw, field="value", label="new value")
    assert exc.value.message_dict["value"] == [
        "The new value is too large: keep it between −99,999,999,999,999 and 99,999,999,999,999."
    ]


def test_to_decimal_never_echoes_a_long_value_back() -> None:
    with pytest.raises(ValidationError) as exc:
        to_decimal("z" * 32_767, field="value")
    (message,) = exc.value.message_dict["value"]
    assert message.startswith("“" + "z" * 39 + "…” is not a number")
    assert len(message) < 120


def test_numbers_and_quotes_print_plainly() -> None:
    assert plain_number(Decimal("1.8E+3")) == "1800"
    assert plain_number(Decimal("0.5000")) == "0.5"
    assert plain_number(1e12) == "1000000000000"
    assert quoted("short") == "“short”"
    assert quoted("y" * 100) == "“" + "y" * 39 + "…”"


def test_clean_texts_reports_every_field_at_once() -> None:
    rules = {"title": TextRule(10, required=True, single_line=True), "note": TextRule(5)}
    with pytest.raises(ValidationError) as exc:
        clean_texts({"title": "a\tb", "note": "123456", "other": "\x00"}, rules)
    assert exc.value.message_dict == {
        "title": ["The title contains control characters (U+0009): remove them and try again."],
        "note": ["The note is 6 characters long: keep it within 5."],
    }
    assert clean_texts({"title": " ok ", "other": 1}, rules) == {"title": "ok", "other": 1}


# --- okrs services ---------------------------------------------------------------------------


def _kr(world: World) -> KeyResult:
    objective = okrs.objective_create(
        actor=world.lead, cycle=world.cycle, title="Trust", team=world.team, state="active"
    )
    return okrs.key_result_create(
        actor=world.lead, objective=objective, title="Latency", start_value=800, target_value=200, kind="decrease"
    )


def test_okr_services_refuse_control_characters_in_every_text(world: World) -> None:
    kr = _kr(world)
    objective = kr.objective
    _refused(
        lambda: okrs.objective_create(actor=world.lead, cycle=world.cycle, title="Bell\x07", team=world.team),
        "title",
        contains="control characters (U+0007)",
    )
    _refused(
        lambda: okrs.objective_update(actor=world.lead, objective=objective, description="a\x00b"),
        "description",
        contains="U+0000",
    )
    _refused(lambda: okrs.key_result_update(actor=world.lead, key_result=kr, unit="m\ns"), "unit", contains="U+000A")
    _refused(
        lambda: okrs.check_in_record(actor=world.lead, key_result=kr, value=500, note="nul\x00here"),
        "note",
        contains="U+0000",
    )
    _refused(
        lambda: okrs.objective_cancel(actor=world.lead, objective=objective, reason="esc\x1b"),
        "reason",
        contains="U+001B",
    )
    _refused(
        lambda: okrs.key_result_score(actor=world.lead, key_result=kr, score=0.5, note="\x7f"),
        "note",
        contains="U+007F",
    )
    _refused(
        lambda: okrs.cycle_create(
            actor=world.champion, name="Q3\t2026", start_date=world.cycle.start_date, end_date=world.cycle.end_date
        ),
        "name",
        contains="The cycle name contains control characters",
    )
    _refused(
        lambda: okrs.key_result_create(
            actor=world.lead, objective=objective, title="List", kind="milestones", milestones=["ok", "bad\x00"]
        ),
        "milestones",
        contains="The title of milestone 2 contains control characters",
    )
    assert CheckIn.objects.count() == 0


def test_okr_services_apply_the_shared_length_limits(world: World) -> None:
    kr = _kr(world)
    objective = kr.objective
    _refused(
        lambda: okrs.objective_update(actor=world.lead, objective=objective, description=HUGE),
        "description",
        contains=DESCRIPTION_MESSAGE,
    )
    _refused(
        lambda: okrs.key_result_update(actor=world.lead, key_result=kr, description=HUGE),
        "description",
        contains=DESCRIPTION_MESSAGE,
    )
    _refused(
        lambda: okrs.check_in_record(actor=world.lead, key_result=kr, value=1, note="n" * (MAX_LONG_TEXT + 1)),
        "note",
        contains="keep it within 10,000",
    )
    _refused(
        lambda: okrs.key_result_cancel(actor=world.lead, key_result=kr, reason="r" * (MAX_REASON + 1)),
        "reason",
        contains="keep it within 2,000",
    )
    _refused(
        lambda: okrs.objective_score(actor=world.lead, objective=objective, score=0.5, note="n" * (MAX_REASON + 1)),
        "note",
        contains="keep it within 2,000",
    )
    _refused(
        lambda: okrs.objective_update(actor=world.lead, objective=objective, title="t" * 301),
        "title",
        contains="keep it within 300",
    )
    kr.refresh_from_db()
    assert kr.description == "" and not kr.is_cancelled


@pytest.mark.parametrize("weight", [1e12, 1000.5, float("inf")])
def test_okr_services_cap_every_weight(world: World, weight: float) -> None:
    kr = _kr(world)
    other = okrs.objective_create(actor=world.champion, cycle=world.cycle, title="Parent", team=world.company)
    _refused(
        lambda: okrs.key_result_update(actor=world.lead, key_result=kr, weight=weight),
        "weight",
        contains=WEIGHT_MESSAGE,
    )
    _refused(
        lambda: okrs.key_result_create(
            actor=world.lead, objective=kr.objective, title="Heavy", start_value=0, target_value=1, weight=weight
        ),
        "weight",
        contains=WEIGHT_MESSAGE,
    )
    _refused(
        lambda: okrs.alignment_add(actor=world.lead, child=kr.objective, parent=other, weight=weight),
        "weight",
        contains=WEIGHT_MESSAGE,
    )
    checklist = okrs.key_result_create(
        actor=world.lead, objective=kr.objective, title="M", kind="milestones", milestones=["a"]
    )
    _refused(
        lambda: okrs.milestone_add(actor=world.lead, key_result=checklist, title="b", weight=weight),
        "milestones",
        contains="The weight of milestone 1 must be at most 1,000",
    )
    assert KeyResult.objects.get(pk=kr.pk).weight == 1.0


def test_okr_messages_print_plain_numbers(world: World) -> None:
    objective = okrs.objective_create(actor=world.lead, cycle=world.cycle, title="Flat", team=world.team)
    messages = _refused(
        lambda: okrs.key_result_create(
            actor=world.lead, objective=objective, title="Same", start_value="1800", target_value="1.8e3"
        ),
        "target_value",
        contains="The target equals the start (1800)",
    )
    assert "E+" not in messages[0]


def test_okr_services_strip_and_keep_clean_text(world: World) -> None:
    objective = okrs.objective_create(
        actor=world.lead, cycle=world.cycle, title="  Tidy  ", description="Line one\n\tLine two ", team=world.team
    )
    assert (objective.title, objective.description) == ("Tidy", "Line one\n\tLine two")


# --- strategy and accounts services ----------------------------------------------------------


def test_strategy_services_clean_every_text(world: World) -> None:
    _refused(lambda: strategy.value_create(actor=world.champion, name="Can\x00dour"), "name", contains="U+0000")
    _refused(
        lambda: strategy.strategy_update(actor=world.champion, mission="m" * (MAX_LONG_TEXT + 1)),
        "mission",
        contains="keep it within 10,000",
    )
    _refused(
        lambda: strategy.big_move_create(
            actor=world.champion, title="Go\nglobal", horizon_start=2026, horizon_end=2027
        ),
        "title",
        contains="U+000A",
    )
    value = strategy.value_create(actor=world.champion, name=" Candour ", description="Say it")
    assert value.name == "Candour"
    _refused(
        lambda: strategy.value_update(actor=world.champion, value=value, description=HUGE),
        "description",
        contains=DESCRIPTION_MESSAGE,
    )


def test_accounts_services_clean_every_text(world: World) -> None:
    _refused(
        lambda: accounts.team_create(actor=world.admin, name="Data\x00"),
        "name",
        contains="The team name contains control characters (U+0000)",
    )
    _refused(
        lambda: accounts.team_update(actor=world.admin, team=world.team, description=HUGE),
        "description",
        contains=DESCRIPTION_MESSAGE,
    )
    _refused(
        lambda: accounts.membership_update(actor=world.admin, membership=world.member, title="Eng\x1b[31m"),
        "title",
        contains="The job title contains control characters (U+001B)",
    )
    _refused(
        lambda: accounts.organisation_update(actor=world.admin, name="A" * 151), "name", contains="keep it within 150"
    )
    with pytest.raises(ValidationError) as exc:
        accounts.user_update_profile(user=world.member.user, full_name="Ann\r\nBee")
    assert "control characters" in exc.value.message_dict["full_name"][0]


# --- the same input, the same message, on every surface --------------------------------------


def _api(world: World, method: str, path: str, body: object) -> list[str]:
    token = api_token_create(actor=world.lead, name="t").secret
    response = getattr(Client(), method)(
        f"/api/v1/{path}",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.content
    return [e["message"] for e in json.loads(response.content)["errors"]]


def _web_form_errors(world: World, url: str, data: dict[str, object], field: str) -> list[str]:
    client = Client()
    client.force_login(world.lead.user)
    response = client.post(url, data)
    assert response.status_code == 400
    return list(response.context["form"].errors[field])


def _sheet_problems(world: World, **cells: object) -> list[str]:
    data = csv_bytes([row(team="platform", objective="Trust", owner="lead@acme.test", **cells)])
    before = db_digest()
    report = sheet_import(actor=world.champion, cycle=world.cycle, data=data, filename="plan.csv", dry_run=False)
    assert not report.applied
    assert db_digest() == before
    return [p.message for p in report.problems]


def test_a_huge_weight_gets_the_same_message_on_the_api_the_web_and_the_sheet(world: World) -> None:
    kr = _kr(world)
    api = _api(world, "patch", f"key-results/{kr.pk}", {"weight": 1e12})
    web = _web_form_errors(
        world,
        reverse("okrs:kr-edit", args=[kr.pk]),
        {
            "title": kr.title,
            "kind": "decrease",
            "start_value": "800",
            "target_value": "200",
            "unit_kind": "number",
            "weight": "1e12",
            "owner": world.lead.pk,
        },
        "weight",
    )
    sheet = _sheet_problems(world, kr="Heavy", start=0, target=10, weight="1000000000000")
    assert api == [WEIGHT_MESSAGE]
    assert web == [WEIGHT_MESSAGE]
    assert sheet == [WEIGHT_MESSAGE]
    assert KeyResult.objects.get(pk=kr.pk).weight == 1.0


def test_a_32767_character_description_gets_the_same_message_everywhere(world: World) -> None:
    objective = okrs.objective_create(actor=world.lead, cycle=world.cycle, title="Trust", team=world.team)
    api = _api(world, "patch", f"objectives/{objective.pk}", {"description": HUGE})
    web = _web_form_errors(
        world,
        reverse("okrs:objective-edit", args=[objective.pk]),
        {
            "title": "Trust",
            "description": HUGE,
            "cycle": world.cycle.pk,
            "owner": world.lead.pk,
            "team": world.team.pk,
            "ambition": "committed",
            "visibility": "public",
        },
        "description",
    )
    sheet = _sheet_problems(world, objective_description=HUGE)
    assert api == web == sheet == [DESCRIPTION_MESSAGE]
    assert Objective.objects.get(pk=objective.pk).description == ""


def test_a_nul_in_a_check_in_note_gets_the_same_message_on_the_api_and_the_service(world: World) -> None:
    kr = _kr(world)
    api = _api(world, "post", f"key-results/{kr.pk}/check-ins", {"value": 500, "confidence": 7, "note": "a\x00b"})
    with pytest.raises(ValidationError) as exc:
        okrs.check_in_record(actor=world.lead, key_result=kr, value=500, note="a\x00b")
    assert (
        api
        == exc.value.message_dict["note"]
        == ["The note contains control characters (U+0000): remove them and try again."]
    )
    assert CheckIn.objects.count() == 0
