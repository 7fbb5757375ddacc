"""Fault plans and what they do to one call: pure, deterministic for a seed."""

from __future__ import annotations

import random
from typing import Any

import orjson
import pytest

from exchange.payload import PayloadError
from sandbox.services.faults import Decision, FaultPlan, corrupt, decide, to_windows_1258


def test_an_empty_plan_is_no_fault_at_all() -> None:
    assert FaultPlan.from_json({}) == FaultPlan()
    assert decide(FaultPlan(), random.Random(1), "/v1/changes") == Decision()


@pytest.mark.parametrize(
    ("payload", "plan"),
    [
        ({"malformed": True}, FaultPlan(malformed="truncated")),
        ({"malformed": "shape"}, FaultPlan(malformed="shape")),
        ({"malformed": False}, FaultPlan()),
        ({"wrong_encoding": True}, FaultPlan(wrong_encoding="cp1258")),
        ({"wrong_encoding": "latin-1"}, FaultPlan(wrong_encoding="latin-1")),
        ({"latency_ms": 20, "latency_jitter_ms": 5.5}, FaultPlan(20, 5.5)),
        ({"failure_rate": 1, "seed": 3}, FaultPlan(failure_rate=1.0, seed=3)),
        ({"hang": True, "path_prefix": "/a"}, FaultPlan(hang=True, path_prefix="/a")),
    ],
)  # fmt: skip
def test_a_plan_is_read_from_the_admin_endpoints_json(
    payload: dict[str, Any], plan: FaultPlan
) -> None:
    assert FaultPlan.from_json(payload) == plan


@pytest.mark.parametrize(
    "payload",
    [
        {"latency": 20},  # unknown member: a typo must not silently mean "no fault"
        {"latency_ms": -1},
        {"failure_rate": 1.5},
        {"hang": "yes"},
        {"malformed": "garbled"},
        {"wrong_encoding": "utf-16"},
        [],
    ],
)
def test_a_wrong_plan_is_refused(payload: object) -> None:
    with pytest.raises(PayloadError):
        FaultPlan.from_json(payload)


def test_the_same_seed_fails_the_same_calls() -> None:
    plan = FaultPlan(failure_rate=0.3, seed=42)

    def run() -> list[bool]:
        rng = random.Random(plan.seed)
        return [decide(plan, rng, "/v1/x").fail for _ in range(200)]

    first = run()
    assert first == run()
    assert 40 <= sum(first) <= 80


def test_latency_is_the_base_plus_at_most_the_jitter() -> None:
    plan = FaultPlan(latency_ms=100, latency_jitter_ms=50)
    rng = random.Random(0)
    delays = [decide(plan, rng, "/v1/x").delay_s for _ in range(100)]
    assert all(0.1 <= delay <= 0.15 for delay in delays)
    assert len(set(delays)) > 50


def test_a_call_outside_the_path_prefix_is_left_alone() -> None:
    plan = FaultPlan(hang=True, path_prefix="/agencies/000.00.00.G18")
    assert decide(plan, random.Random(0), "/agencies/000.00.00.G12/v1/changes") == Decision()
    assert decide(plan, random.Random(0), "/agencies/000.00.00.G18/v1/changes").hang


def test_a_failed_call_does_not_also_hang() -> None:
    decision = decide(FaultPlan(failure_rate=1.0, hang=True), random.Random(0), "/")
    assert (decision.fail, decision.hang) == (True, False)


BODY = orjson.dumps({"protocol": "moha-exchange", "version": "1.0", "records": [{"a": "Hà Tĩnh"}]})


def test_a_truncated_body_no_longer_parses() -> None:
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(corrupt(BODY, Decision(malformed="truncated")))


def test_a_reshaped_body_parses_but_keeps_only_its_envelope() -> None:
    reshaped = orjson.loads(corrupt(BODY, Decision(malformed="shape")))
    assert reshaped == {"protocol": "moha-exchange", "version": "1.0", "records": {"0": {"a": 7}}}


@pytest.mark.parametrize("encoding", ["cp1258", "latin-1"])
def test_a_wrongly_encoded_body_is_not_utf8(encoding: str) -> None:
    with pytest.raises(UnicodeDecodeError):
        corrupt(BODY, Decision(encoding=encoding)).decode("utf-8")


def test_a_doubly_encoded_body_is_utf8_of_the_wrong_text() -> None:
    reread = corrupt(BODY, Decision(encoding="double-utf8")).decode("utf-8")
    assert "Hà Tĩnh" not in reread
    assert "H\u00c3\u00a0 T\u00c4\u00a9nh" in reread  # à and ĩ, byte by byte


def test_windows_1258_is_what_that_code_page_really_holds() -> None:
    text = "Nguyễn Thị Thủy, Đắk Lắk, Hồ Chí Minh"
    encoded = to_windows_1258(text)
    assert b"?" not in encoded  # every Vietnamese letter has its Windows-1258 spelling
    import unicodedata

    assert unicodedata.normalize("NFC", encoded.decode("cp1258")) == text
