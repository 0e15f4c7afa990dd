"""Schemathesis reads the OpenAPI document and calls every `/api/v1` operation with generated
input, signed in with an API token: no answer may be a server error."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.web.conftest import LOW, Site

EXAMPLES = 12  # per operation: enough for each parameter's edge cases, cheap on 2 cores


def test_no_operation_answers_generated_input_with_a_server_error(site: Site) -> None:
    headers = {"Authorization": f"Bearer {site.token(LOW)}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", site.client.app)
    operations = [found.ok() for found in schema.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:
        _no_server_error(operation, headers)


def _no_server_error(operation: schemathesis.APIOperation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def call(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])
        assert response.status_code < 500, (operation.label, response.text[:500])

    call()
