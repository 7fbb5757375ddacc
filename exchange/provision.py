"""Key files for a set of parties, laid out in one folder (the sandbox's, or an operator's).

    folder/
      moha.keys.json            MOHA's keys, private halves (0600; sealed with a KEK if given)
      moha.jwks.json            MOHA's public JWKS + revoked kids (handed to every agency)
      agencies/<code>.keys.json an agency's keys, private halves (stays with its connector)
      agencies/<code>.jwks.json its public JWKS + revoked kids (registered at MOHA)

The sandbox calls `provision` at demo start, so no private key is ever committed; the
`cbccvc agency-keys` command (gateway/cli/agency_keys.py) manages the same layout.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from exchange.keys import MOHA_ID, PartyKeys, TrustedKeys, load, save, write_jwks

SUBSYSTEM = "HRM"


def agency_party(code: str) -> str:
    return f"VN:GOV:{code}:{SUBSYSTEM}"


@dataclass(frozen=True)
class KeyFolder:
    root: Path

    @property
    def moha_keys(self) -> Path:
        return self.root / "moha.keys.json"

    @property
    def moha_jwks(self) -> Path:
        return self.root / "moha.jwks.json"

    def agency_keys(self, code: str) -> Path:
        return self.root / "agencies" / f"{code}.keys.json"

    def agency_jwks(self, code: str) -> Path:
        return self.root / "agencies" / f"{code}.jwks.json"

    def party_paths(self, party: str) -> tuple[Path, Path]:
        """(keys, jwks) of `moha` or an agency code."""
        if party == "moha":
            return self.moha_keys, self.moha_jwks
        return self.agency_keys(party), self.agency_jwks(party)

    def write(self, keys: PartyKeys, party: str, now: datetime, kek: bytes | None = None) -> None:
        keys_path, jwks_path = self.party_paths(party)
        save(keys, keys_path, kek)
        write_jwks(keys, jwks_path, now)

    def read(self, party: str, kek: bytes | None = None) -> PartyKeys:
        return load(self.party_paths(party)[0], kek)


@dataclass
class Provisioned:
    folder: KeyFolder
    moha: PartyKeys
    agencies: dict[str, PartyKeys] = field(default_factory=dict)

    def moha_trusted(self, now: datetime) -> TrustedKeys:
        return TrustedKeys.of(self.moha, now)


def provision(
    root: Path, codes: Iterable[str], now: datetime, *, kek: bytes | None = None,
    algorithm: str = "ES256",
) -> Provisioned:  # fmt: skip
    """Fresh keys for MOHA and each agency code, written under `root`."""
    folder = KeyFolder(root)
    moha = PartyKeys.generate(MOHA_ID, now, algorithm=algorithm, encryption=True)
    folder.write(moha, "moha", now, kek)
    provisioned = Provisioned(folder, moha)
    for code in codes:
        # an encryption key too: MOHA encrypts each person's declaration to the agency
        keys = PartyKeys.generate(agency_party(code), now, algorithm=algorithm, encryption=True)
        folder.write(keys, code, now, kek)
        provisioned.agencies[code] = keys
    return provisioned
