"""Schemathesis against the app (WSGI, in process): for every operation in
/api/v1/openapi.json it generates requests, valid and invalid, and checks that
nothing is a server error, every status code, content type and header is documented,
every body matches its schema, and invalid input is refused. Kept small (a dozen
examples per operation and mode) so the run takes well under a minute.

Schemathesis's own pytest integration (`schema.parametrize()` with a fixture) does not
run under pytest 9.2 (it reads a node attribute pytest removed), so this drives its
Python API directly: each operation's Hypothesis strategy, one run per operation."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests import factories
from tests.factories import OpenDataBorough

EXAMPLES = 12

@pytest.fixture
def world(app, places) -> OpenDataBorough:
    return factories.open_data_borough(app)


def test_every_response_matches_the_openapi_document(app, world: OpenDataBorough):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every API route is in the document (Schemathesis leaves out the document's own path).
    routes = {
        re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert {operation.path for operation in operations} == routes - {"/openapi.json"}
    for operation in operations:
        # Invalid requests need a parameter to make invalid.
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if any(operation.iter_parameters()) else [])
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def check(case):
                case.call_and_validate()

            try:
                check()
            except Exception as error:
                error.add_note(f"{operation.label} ({mode.value} examples)")
                raise
