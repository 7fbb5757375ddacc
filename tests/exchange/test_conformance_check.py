"""`cbccvc exchange check`: the sandbox connector passes; a connector that cuts corners fails."""

from __future__ import annotations

import orjson
from exchange_env import Agencies

from exchange.caller import EnvelopeCaller
from exchange.conformance import FAIL, PASS, WARN, check_connector, report
from exchange.keys import PartyKeys, TrustedKeys
from exchange.provision import agency_party
from sandbox.services.running import RunningService


def caller(connector: RunningService, code: str, moha: PartyKeys | None = None) -> EnvelopeCaller:
    assert connector.keys is not None
    jwks = orjson.loads(connector.keys.folder.agency_jwks(code).read_bytes())
    return EnvelopeCaller(
        moha or connector.keys.moha, TrustedKeys.from_jwks(jwks), agency_party(code)
    )


async def test_the_sandbox_connector_passes_every_check_but_warns_of_transition_mode(
    connector: RunningService, agencies: Agencies
) -> None:
    code = agencies.medium.code
    results = await check_connector(connector.base_url(code), caller(connector, code))
    statuses = {r.name: r.status for r in results}
    assert statuses.pop("unsigned call refused") == WARN  # start_connector's default
    assert set(statuses.values()) == {PASS}, report(results)


async def test_a_connector_that_does_not_know_mohas_keys_fails_the_sealed_checks(
    connector: RunningService, agencies: Agencies
) -> None:
    code = agencies.medium.code
    assert connector.keys is not None
    stranger = PartyKeys.generate(connector.keys.moha.party, connector.keys.moha.keys[0].created_at,
                                  encryption=True)  # fmt: skip
    results = await check_connector(connector.base_url(code), caller(connector, code, stranger))
    failed = {r.name for r in results if r.status == FAIL}
    assert "health, sealed" in failed
    assert "unknown_kid" in next(r.detail for r in results if r.name == "health, sealed")
    assert "FAILED" in report(results)
