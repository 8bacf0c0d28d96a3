"""Property-based run of schemathesis over every operation, in-process against the WSGI app:
no server errors, every response conforms to its documented schema and status codes.

Path parameters are pointed at real objects of the caller's organisation (so the fuzzed bodies
and queries reach the services, not just the 404 path); everything else is generated.
"""

from __future__ import annotations

from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.api.conftest import token_for
from tests.api.operations import DEFAULT_PARAMS
from tests.api.operations import schema as openapi_schema
from tests.builders import OkrData, World, build_okr_data


class InTestWSGIApp:
    """Django's WSGI app for requests inside a test transaction. Like Django's test client, keep
    the request signals from closing the database connection (which would end the transaction
    the test data lives in: PostgreSQL does exactly that)."""

    def __init__(self) -> None:
        self.handler = get_wsgi_application()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_dict(openapi_schema())
schema.app = InTestWSGIApp()
schema.config.phases.coverage.enabled = False

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@pytest.fixture
def admin_setup(world: World) -> tuple[World, OkrData, str]:
    data = build_okr_data(world)
    return world, data, token_for(world.admin)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case[Any], admin_setup: tuple[World, OkrData, str]) -> None:
    world, data, token = admin_setup
    if case.path_parameters:
        for name in list(case.path_parameters):
            case.path_parameters[name] = DEFAULT_PARAMS[name](world, data)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
