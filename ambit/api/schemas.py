"""Shared API types: bounded ids, numbers and text, the problem document, pages of results.

Bounds match the database (ids fit a bigint, numbers fit DecimalField(18, 4), text fits the
column) so no input that passes the schema can make the database fail.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Schema
from pydantic import AfterValidator, Field, ValidationInfo, create_model
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from ambit.core.services import MAX_NUMBER as MAX_DECIMAL
from ambit.core.validation import MAX_LONG_TEXT, MAX_NAME, MAX_REASON, MAX_TITLE, MAX_WEIGHT, check_weight, clean_text

MAX_ID = 2**53 - 1
# DecimalField(max_digits=18, decimal_places=4) holds |x| < 10**14; SQLite keeps only 15 significant
# digits, so anything that would round up to 10**14 on the way back is refused too.
MAX_NUMBER = int(MAX_DECIMAL)
DEFAULT_PAGE = 50
MAX_PAGE = 200


def _text_rule(max_length: int, *, required: bool) -> Callable[[str, ValidationInfo], str]:
    """The services' text rule (``ambit.core.validation.clean_text``) as a schema validator, so the
    API refuses a long or control-laden text with the very message the web and the sheet show."""

    def check(value: str, info: ValidationInfo) -> str:
        try:
            return clean_text(value, field=info.field_name or "text", max_length=max_length, required=required)
        except DjangoValidationError as exc:
            raise PydanticCustomError("text", exc.messages[0]) from None

    return check


def _check_weight(value: float) -> float:
    try:
        return check_weight(value)
    except DjangoValidationError as exc:
        raise PydanticCustomError("weight", exc.messages[0]) from None


def _check_day(value: dt.date) -> dt.date:
    if not 2000 <= value.year <= 2199:
        raise ValueError("Use a date between 2000-01-01 and 2199-12-31.")
    return value


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _check_time_zone(value: str) -> str:
    if value not in _time_zones():
        raise ValueError(f"“{value}” is not a time zone: use an IANA name such as Europe/Berlin.")
    return value


def _bounded_text(max_length: int, min_length: int | None = None) -> Any:
    """A string type bounded like its column, refusing what no database can store.

    The bounds are documented in the OpenAPI document but checked by the shared rule (not by
    pydantic's ``max_length``), so the message is the services' own.
    """
    bounds: JsonDict = {"maxLength": max_length}
    if min_length is not None:
        bounds["minLength"] = min_length
    required = bool(min_length)
    return Annotated[str, Field(json_schema_extra=bounds), AfterValidator(_text_rule(max_length, required=required))]


def text(max_length: int, min_length: int = 0) -> Any:
    """A string type for a column of ``max_length`` characters (see ``_bounded_text``)."""
    return _bounded_text(max_length, min_length)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Number = Annotated[float, Field(ge=-MAX_NUMBER, le=MAX_NUMBER)]
# Documented like gt=0, le=MAX_WEIGHT; checked by the services' rule for the services' message.
Weight = Annotated[
    float, Field(json_schema_extra={"exclusiveMinimum": 0, "maximum": MAX_WEIGHT}), AfterValidator(_check_weight)
]
Score = Annotated[float, Field(ge=0, le=1)]
Day = Annotated[dt.date, AfterValidator(_check_day)]
Title = text(MAX_TITLE, 1)
Name = text(MAX_NAME, 1)
ShortText = _bounded_text(MAX_NAME)
LongText = _bounded_text(MAX_LONG_TEXT)
Reason = text(MAX_REASON, 1)
TimeZone = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_time_zone)]


class FieldError(Schema):
    field: str = Field(description="The request field at fault, e.g. `target_value` or `key_results.0.title`.")
    message: str = Field(description="What is wrong and how to fix it.")


class Problem(Schema):
    """RFC 9457 problem details: the body of every error response."""

    type: str = Field(description="A URN naming the kind of problem, e.g. `urn:ambit:problem:validation`.")
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(
        description="Per-field messages: empty unless a field of the request is at fault (always present)."
    )


class PageQuery(Schema):
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description=f"Page size (1–{MAX_PAGE}).")
    cursor: int | None = Field(
        None, ge=0, le=MAX_ID, description="The `next_cursor` of the previous page; omit for the first page."
    )


@cache
def page_of(item: type[Schema]) -> type[Schema]:
    """A page of ``item``: ordered by id, ``next_cursor`` is null on the last page."""
    model: type[Schema] = create_model(
        f"{item.__name__}Page",
        __base__=Schema,
        items=(list[item], ...),  # type: ignore[valid-type]
        # Required but nullable: always in the body, null on the last page.
        next_cursor=(int | None, Field(description="Pass as `cursor` to get the next page; null on the last page.")),
    )
    return model


def paginate(rows: Any, page: PageQuery) -> tuple[list[Any], int | None]:
    """Cursor pagination by id over a queryset or a list of model instances."""
    limit = page.limit
    if isinstance(rows, list):
        ordered = sorted((r for r in rows if page.cursor is None or r.pk > page.cursor), key=lambda r: r.pk)
        chunk = ordered[: limit + 1]
    else:
        qs = rows.order_by("pk")
        if page.cursor is not None:
            qs = qs.filter(pk__gt=page.cursor)
        chunk = list(qs[: limit + 1])
    if len(chunk) > limit:
        return chunk[:limit], chunk[limit - 1].pk
    return chunk, None


def as_page(items: list[Any], next_cursor: int | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}


READ_ERRORS = (401, 404, 422, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 422, 429)


def reads(schema: Any) -> dict[int, Any]:
    return {200: schema, **dict.fromkeys(READ_ERRORS, Problem)}


def writes(schema: Any, status: int = 200) -> dict[int, Any]:
    return {status: schema, **dict.fromkeys(WRITE_ERRORS, Problem)}


class Deleted(Schema):
    deleted: bool = True
