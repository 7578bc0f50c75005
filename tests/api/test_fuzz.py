"""The whole API fuzzed from its own schema (schemathesis): a manager and two reps of different
territories replay every generated request; no 5xx, responses conform to the schema, and a rep's
answers never name an exchange the rep may not see. `make fuzz` runs more examples."""

import os
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm.choices import TokenAccess
from crm.models import Exchange
from crm.services import api_token_create

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.openapi.from_path(Path(__file__).resolve().parents[2] / "openapi.yaml")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def exchange_slugs_named(path: str, body) -> set[str]:
    """Every exchange a response names: `exchange` fields, `exchanges` lists, and rows of the exchange lists."""
    found: set[str] = set()

    def walk(value, exchange_rows: bool):
        if isinstance(value, list):
            for item in value:
                walk(item, exchange_rows)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key in ("exchange", "family") and isinstance(item, str):
                    found.add(item)
                elif key == "exchanges" and isinstance(item, list):
                    found.update(x for x in item if isinstance(x, str))
                elif key == "slug" and exchange_rows and isinstance(item, str):
                    found.add(item)
                else:
                    walk(item, exchange_rows and key == "results")

    walk(body, path.startswith(("/api/v1/exchanges", "/api/v1/leads")))
    return found


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{op.method.upper()} {op.path}" for op in OPERATIONS])
def test_the_api_answers_every_generated_request_without_error_or_leak(world, cast, operation, settings_override):
    app = get_wsgi_application()
    identities = {
        who: api_token_create(user=cast[who], name=f"fuzz-{who}", access=TokenAccess.WRITE).key
        for who in ("manager", "japan", "singapore")
    }

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        for who, key in identities.items():
            response = case.call(app=app, headers={"Authorization": f"Token {key}"})
            case.validate_response(response, checks=CHECKS)
            if who != "manager" and response.status_code == 200 and "json" in response.headers.get("Content-Type", ""):
                visible = set(Exchange.objects.visible_to(cast[who]).values_list("slug", flat=True))
                leaked = exchange_slugs_named(operation.path, response.json()) - visible
                assert leaked == set(), f"{who} was shown {sorted(leaked)} by {case.method} {case.formatted_path}"

    run()


@pytest.fixture
def settings_override(settings):
    # The test client keeps the test's database connection open across requests; a bare WSGI call
    # would close it at the end of each request, so do as the test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    settings.ALLOWED_HOSTS = ["*"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "100000/minute", "upload": "100000/minute"},
    }
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
