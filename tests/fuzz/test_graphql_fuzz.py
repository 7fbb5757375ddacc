"""Schemathesis in GraphQL mode against the live gateway: no generated operation is a 5xx.

Schemathesis (which generates with hypothesis-graphql) reads the schema by introspection from the
running gateway and draws operations over every root field and every argument, as a central
caller. The run is seeded and bounded: CBCCVC_FUZZ_EXAMPLES operations (default 1,000; `make fuzz`
runs more). A failure prints the offending request as a curl command and the response body.
"""

from __future__ import annotations

import os
import time

import requests
import schemathesis
from fuzz_helpers import LiveGateway
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("CBCCVC_FUZZ_EXAMPLES", "1000"))
SEED = int(os.environ.get("CBCCVC_FUZZ_SEED", "14"))


def test_no_generated_operation_is_an_internal_error(demo_gateway: LiveGateway) -> None:
    schema = schemathesis.graphql.from_url(demo_gateway.endpoint, headers=demo_gateway.auth)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "introspection should list every root field"
    cases = st.sampled_from(operations).flatmap(lambda operation: operation.as_strategy())
    session = requests.Session()
    sent: list[str] = []
    started = time.monotonic()

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(case=cases)
    def one_operation(case: schemathesis.Case) -> None:
        response = case.call(session=session, headers=demo_gateway.auth, timeout=15)
        sent.append(case.operation.label)
        request = case.as_curl_command(headers=demo_gateway.auth)
        assert response.status_code < 500, f"{response.status_code} for\n{request}\n{response.text}"
        assert "INTERNAL_SERVER_ERROR" not in response.text, f"for\n{request}\n{response.text}"
        assert "Traceback" not in response.text, f"for\n{request}\n{response.text}"

    one_operation()
    # Hypothesis may stop early when it exhausts a small space; the bound is about the real run
    assert len(sent) >= min(EXAMPLES, 1000), f"only {len(sent)} operations were sent"
    assert len(set(sent)) == len(operations), "every root field was fuzzed at least once"
    print(f"fuzz: {len(sent)} operations in {time.monotonic() - started:.1f} s")
