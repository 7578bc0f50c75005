"""The whole API fuzzed from its own schema (schemathesis): a manager and two reps of different
territories replay every generated request, valid and invalid, then chain operations along the links
openapi.yaml documents (create, then read, change and delete what was created). Every check of
schemathesis runs on every answer: no 5xx, status codes, content types, headers and bodies as
documented, invalid input refused, and a rep's answers never name an exchange the rep may not see.

The suite runs a few examples per operation; `make fuzz` runs FUZZ_EXAMPLES of them (and as many
stateful steps) and prints the number of requests and failures at the end."""

import os
import time
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from crm.choices import TokenAccess
from crm.models import Exchange
from crm.services import api_token_create

pytestmark = pytest.mark.django_db

# A request the schema allows may still be refused for what no schema can say: it names an exchange or a
# vendor that does not exist, a name already taken, a rule between fields (a source URL or a source note).
# Such a refusal must be a 400 naming the fields at fault (checked below), so 400 joins the answers
# schemathesis expects to schema-valid data; everything else of that check stays.
# One exception, for the product to decide: DELETE /tokens/{id}/ revokes the token and keeps it, so its
# owner still reads it (revoked, with its last use); schemathesis' use_after_free expects a 404 there.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
            }
        },
        "operations": [
            {
                "include-path": "/api/v1/tokens/{id}/",
                "include-method": "GET",
                "checks": {"use_after_free": {"enabled": False}},
            }
        ],
    }
)
SCHEMA = schemathesis.openapi.from_path(Path(__file__).resolve().parents[2] / "openapi.yaml", config=CONFIG)
SCHEMA.app = get_wsgi_application()  # requests (and the checks' own probes) go to the product in-process
# Only the links openapi.yaml documents drive the stateful phase (nothing inferred by schemathesis).
SCHEMA.config.phases.stateful.inference.algorithms = []
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
IDENTITIES = ("manager", "japan", "singapore")

# Valid requests name objects that exist: a generated body's references to an exchange, a vendor or a
# jurisdiction are drawn from the test's cast (exchanges of every rep's kind: own, visible, invisible), so
# creates succeed and the stateful phase has objects to follow. Invalid requests are left as generated.
REFERENCES = {
    "exchange": st.sampled_from(["bitflyer", "bybit", "coinhako", "kraken"]),
    "vendor": st.sampled_from(["aws", "alibaba-cloud", "tencent-cloud", "self-hosted"]),
    "jurisdiction": st.sampled_from(["JP", "SG", "AE", "US"]),
    "country": st.sampled_from(["JP", "SG", "AE", "US"]),
    "headquarters": st.sampled_from(["JP", "SG", "AE", "US"]),
}
REFERENCES["exchanges"] = st.lists(REFERENCES["exchange"], min_size=1, max_size=2, unique=True)


@SCHEMA.hook
def flatmap_case(context, case):
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE or not isinstance(case.body, dict):
        return st.just(case)
    present = {name: strategy for name, strategy in REFERENCES.items() if case.body.get(name) is not None}

    def with_references(values):
        case.body = {**case.body, **values}
        return case

    return st.fixed_dictionaries(present).map(with_references)


# What the run did, printed at the end: requests per phase and every failure.
REQUESTS: Counter = Counter()
FAILURES: list[str] = []


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


def leak_failure(user, case, response) -> str | None:
    """The exchanges a rep's answer names although the rep may not see them, as a failure message."""
    if response.status_code != 200 or "json" not in response.headers.get("Content-Type", ""):
        return None
    visible = set(Exchange.objects.visible_to(user).values_list("slug", flat=True))
    leaked = exchange_slugs_named(case.operation.path, response.json()) - visible
    if leaked:
        return f"{user.username} was shown {sorted(leaked)} by {case.method} {case.formatted_path}"
    return None


@schemathesis.check
def refusals_name_the_fields_at_fault(ctx, response, case):
    """A 400 says, per field of the request (or `non_field_errors`), what is wrong with it."""
    if response.status_code != 400:
        return None
    body = response.json()
    sent = set(case.body) if isinstance(case.body, dict) else set()
    sent |= set(case.query or {})
    assert isinstance(body, dict) and body, f"A 400 without field messages: {body!r}"
    if "detail" in body:  # a body that could not be read at all: one message
        assert isinstance(body["detail"], str) and body["detail"], f"An empty 400: {body!r}"
        return True
    unknown = set(body) - sent - {"non_field_errors"}
    assert unknown <= _declared_fields(case), f"A 400 naming fields the request does not have: {sorted(unknown)}"
    return True


def _declared_fields(case) -> set[str]:
    """The fields the operation declares (body properties and query parameters): a 400 may name a required one
    the request left out."""
    names = {parameter.name for parameter in case.operation.query}
    for body in case.operation.body:
        names |= set(body.resolved_schema.get("properties", {}))
    return names


def checked(phase: str, user, case, response, recorder=None, headers=None, **transport) -> None:
    """Run every schemathesis check on one answer (and, for a rep, the leak check); record what fails."""
    REQUESTS[phase] += 1
    label = f"[{phase}, {user.username}] {case.method} {case.formatted_path}"
    try:
        case.validate_response(
            response, headers=headers, transport_kwargs={**transport, "headers": headers}, recorder=recorder
        )
    except FailureGroup as group:
        answer = f"{response.status_code} {response.content[:300].decode(errors='replace')}"
        FAILURES.extend(
            f"{label} {case.query}: {failure.title}: {failure.message} [{answer}]" for failure in group.exceptions
        )
    except AssertionError as error:
        FAILURES.append(f"{label}: {error}")
    if user.rep.role != "manager":
        message = leak_failure(user, case, response)
        if message:
            FAILURES.append(message)


@pytest.fixture(scope="module", autouse=True)
def fuzz_summary(request):
    started = time.monotonic()
    yield
    phases = ", ".join(f"{count} {phase}" for phase, count in sorted(REQUESTS.items()))
    lines = [
        f"schemathesis: {sum(REQUESTS.values())} requests ({phases}) as {', '.join(IDENTITIES)}, "
        f"{EXAMPLES} examples per operation and mode, {len(FAILURES)} failures, {time.monotonic() - started:.0f} s",
        *(f"  {failure}" for failure in FAILURES[:50]),
    ]
    if os.environ.get("FUZZ_REPORT"):
        Path(os.environ["FUZZ_REPORT"]).write_text("\n\n".join(lines[:1] + FAILURES) + "\n", encoding="utf-8")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line)


@pytest.fixture
def app(settings):
    # The test client keeps the test's database connection open across requests; a bare WSGI call
    # would close it at the end of each request, so do as the test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    settings.ALLOWED_HOSTS = ["*"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "1000000/minute", "upload": "1000000/minute"},
    }
    yield SCHEMA.app
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world, cast):
    return {
        who: api_token_create(user=cast[who], name=f"fuzz-{who}", access=TokenAccess.WRITE).key for who in IDENTITIES
    }


def auth(key: str) -> dict:
    return {"Authorization": f"Token {key}"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{op.method.upper()} {op.path}" for op in OPERATIONS])
def test_the_api_answers_every_generated_request_as_documented(app, cast, tokens, operation, mode):
    failed_before = len(FAILURES)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        for who, key in tokens.items():
            response = case.call(app=app, headers=auth(key))
            checked(mode.value, cast[who], case, response, app=app, headers=auth(key))

    run()

    assert FAILURES[failed_before:] == []


@pytest.mark.parametrize("who", IDENTITIES)
def test_chains_of_operations_along_the_documented_links_answer_as_documented(app, cast, tokens, who):
    user, headers = cast[who], auth(tokens[who])
    failed_before = len(FAILURES)

    class Machine(SCHEMA.as_state_machine()):
        # Each scenario starts from the same data (its writes are rolled back, its cached tokens and rate
        # counts dropped): which links a scenario can follow then depends on the scenario alone.
        def setup(self):
            cache.clear()
            self.scenario = transaction.atomic()
            self.scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.scenario.__exit__(None, None, None)

        def get_call_kwargs(self, case):
            return {"app": app, "headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            checked("stateful", user, case, response, recorder=getattr(self, "recorder", None), **kwargs)

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=10,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )

    assert FAILURES[failed_before:] == []


def test_the_schema_links_what_a_create_answers_to_the_operations_on_it():
    links = {
        (operation.method.upper(), operation.path, name): link
        for operation in OPERATIONS
        for response in operation.definition.raw.get("responses", {}).values()
        for name, link in response.get("links", {}).items()
    }

    assert links[("POST", "/api/v1/exchanges/", "exchanges_retrieve")] == {
        "operationId": "exchanges_retrieve",
        "parameters": {"slug": "$response.body#/slug"},
    }
    assert links[("POST", "/api/v1/contacts/", "contacts_destroy")] == {
        "operationId": "contacts_destroy",
        "parameters": {"id": "$response.body#/id"},
    }
