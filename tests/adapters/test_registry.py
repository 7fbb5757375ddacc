from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters import registry
from adapters.file import FileSource
from adapters.mock import MockSource
from adapters.registry import RegistryError, SourceRegistry
from adapters.resilience import GuardedSource
from adapters.sql import SqlSource
from adapters.wiring import SourceWiring
from vocabulary.declarations import NATIONAL
from vocabulary.sources import Capability, SourceKind

SQL_ENTRY = {
    "id": "VN:GOV:000.00.00.G18:HRM",
    "kind": "sql",
    "owner": "000.00.00.G18",
    "dsn": "postgresql://reader@127.0.0.1:1/legacy",
    "mapping": "legacy_vi",
    "schema": "agency_g18",
}
FILE_ENTRY = {
    "id": "VN:GOV:000.00.00.H33:DROP",
    "kind": "file",
    "owner": "000.00.00.H33",
    "folder": "/srv/drops/h33",
}


def config(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"sources": list(entries)}


def test_sources_are_built_guarded_without_connecting() -> None:
    sources = SourceRegistry.from_config(config(SQL_ENTRY, FILE_ENTRY))
    assert list(sources) == [SQL_ENTRY["id"], FILE_ENTRY["id"]]
    sql = sources[SQL_ENTRY["id"]]
    assert isinstance(sql, GuardedSource)
    assert isinstance(sql.inner, SqlSource)
    assert sql.inner.schema == "agency_g18"
    assert sql.capabilities == SqlSource.capabilities
    assert isinstance(sources[FILE_ENTRY["id"]].inner, FileSource)


def test_guard_settings_come_from_the_entry() -> None:
    entry = {**SQL_ENTRY, "deadline_s": 0.5, "retries": 0, "concurrency": 2,
             "circuit": {"consecutive_failures": 2, "cool_down_s": 5}}  # fmt: skip
    guarded = SourceRegistry.from_config(config(entry))[SQL_ENTRY["id"]]
    assert (guarded.policy.deadline_s, guarded.policy.retries) == (0.5, 0)
    assert guarded.policy.concurrency == 2
    assert guarded.policy.circuit.consecutive_failures == 2
    assert guarded.policy.circuit.cool_down_s == 5.0


def test_defaults_are_a_two_second_deadline() -> None:
    guarded = SourceRegistry.from_config(config(FILE_ENTRY))[FILE_ENTRY["id"]]
    assert guarded.policy.deadline_s == 2.0


def test_an_unknown_kind_fails_naming_the_entry() -> None:
    with pytest.raises(RegistryError, match=r"sources\[0\] \(VN:GOV:000.00.00.G18:HRM\).*oracle"):
        SourceRegistry.from_config(config({**SQL_ENTRY, "kind": "oracle"}))


def test_a_missing_setting_fails_naming_the_entry_and_the_setting() -> None:
    entry = {key: value for key, value in SQL_ENTRY.items() if key != "dsn"}
    with pytest.raises(RegistryError, match=r"sources\[0\] \(VN:GOV:000.00.00.G18:HRM\).*'dsn'"):
        SourceRegistry.from_config(config(entry))


def test_every_bad_entry_is_reported_at_once() -> None:
    bad_mapping = {**SQL_ENTRY, "mapping": "no_such_mapping"}
    bad_deadline = {**FILE_ENTRY, "deadline_s": "soon"}
    with pytest.raises(RegistryError) as caught:
        SourceRegistry.from_config(config(bad_mapping, bad_deadline))
    assert "sources[0]" in str(caught.value)
    assert "no such mapping file" in str(caught.value)
    assert "sources[1]" in str(caught.value)
    assert "deadline_s must be a number" in str(caught.value)


def test_two_entries_with_one_id_are_refused() -> None:
    with pytest.raises(RegistryError, match=r"the same id as sources\[0\]"):
        SourceRegistry.from_config(config(SQL_ENTRY, {**FILE_ENTRY, "id": SQL_ENTRY["id"]}))


def test_a_malformed_source_id_is_refused() -> None:
    with pytest.raises(RegistryError, match="not a source id"):
        SourceRegistry.from_config(config({**FILE_ENTRY, "id": "h33-drop"}))


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(RegistryError, match=r"unknown setting.*folder_path"):
        SourceRegistry.from_config(config({**FILE_ENTRY, "folder_path": "/srv"}))


def test_secrets_come_from_the_environment() -> None:
    environment = SourceWiring(variables={"G18_DSN": "postgresql://reader:s3cret@legacy/hrm"})
    sources = SourceRegistry.from_config(config({**SQL_ENTRY, "dsn": "${G18_DSN}"}), environment)
    inner = sources[SQL_ENTRY["id"]].inner
    assert isinstance(inner, SqlSource)
    assert inner._dsn == "postgresql://reader:s3cret@legacy/hrm"


def test_an_unset_environment_variable_is_an_error() -> None:
    environment = SourceWiring(variables={"OTHER_DSN": "postgresql://reader@legacy/hrm"})
    with pytest.raises(RegistryError, match="G18_DSN is not set"):
        SourceRegistry.from_config(config({**SQL_ENTRY, "dsn": "${G18_DSN}"}), environment)


def test_a_kind_registered_by_its_module_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    def population(settings: Any, wiring: SourceWiring) -> MockSource:
        return MockSource(settings["id"], settings["owner"])

    monkeypatch.setitem(registry.KIND_FACTORIES, SourceKind.POPULATION, population)
    entry = {"id": "VN:GOV:000.00.00.G01:DANCU", "kind": "population", "owner": None}
    guarded = SourceRegistry.from_config(config(entry))[entry["id"]]
    assert isinstance(guarded.inner, MockSource)
    assert Capability.CHANGE_FEED in guarded.capabilities


def test_a_kind_whose_module_is_missing_says_it_is_not_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(registry.KIND_FACTORIES, SourceKind.INSURANCE, raising=False)
    monkeypatch.setitem(registry.KIND_MODULES, SourceKind.INSURANCE, "adapters.not_there")
    entry = {"id": "VN:GOV:000.00.00.G12:BHXH", "kind": "insurance", "owner": None}
    with pytest.raises(RegistryError, match="not installed"):
        SourceRegistry.from_config(config(entry))


def test_a_yaml_file_is_read_and_its_path_named_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - id: VN:GOV:000.00.00.H33:DROP\n"
        "    kind: file\n"
        "    owner: 000.00.00.H33\n"
        "    folder: /srv/drops/h33\n"
        "    retries: 1\n",
        encoding="utf-8",
    )
    sources = SourceRegistry.from_yaml(path)
    assert sources["VN:GOV:000.00.00.H33:DROP"].policy.retries == 1
    path.write_text("sources: [{id: x}]\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"sources\.yaml"):
        SourceRegistry.from_yaml(path)


async def test_closing_the_registry_closes_every_source() -> None:
    sources = SourceRegistry.from_config(config(FILE_ENTRY))
    await sources.aclose()
    assert not (await sources[FILE_ENTRY["id"]].health()).ok


# --- what a source declares about its values ---------------------------------------------------


def test_a_source_that_declares_nothing_is_read_nationally() -> None:
    source = SourceRegistry.from_config(config(FILE_ENTRY))[FILE_ENTRY["id"]]
    assert source.declarations == NATIONAL
    assert source.declarations.code_list("ethnicity_code", "ethnic_groups") == "ethnic_groups"


def test_declared_lists_dates_and_encoding_reach_the_source() -> None:
    values = {
        "code_lists": {"ethnicity_code": {"list": "ethnic_groups_alt", "version": "2026.1"}},
        "date_format": "%d/%m/%Y",
        "encoding": "tcvn3",
    }
    source = SourceRegistry.from_config(config({**FILE_ENTRY, "values": values}))[FILE_ENTRY["id"]]
    declared = source.declarations
    assert declared.code_list("ethnicity_code", "ethnic_groups") == "ethnic_groups_alt"
    assert (declared.date_format, declared.encoding) == ("%d/%m/%Y", "tcvn3")
    assert isinstance(source, GuardedSource)
    assert source.inner.declarations == declared  # the file adapter reads with them


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"code_lists": {"ethnicity_code": {"list": "ethnic_groups_alt", "version": "2019.1"}}},
         "version 2019.1 is declared, the gateway has version 2026.1"),
        ({"code_lists": {"ethnicity_code": {"list": "religions", "version": "2026.2"}}},
         "religions is not a list of ethnic_groups"),
        ({"code_lists": {"full_name": {"list": "ethnic_groups", "version": "2026.2"}}},
         "not a coded field"),
        ({"date_format": "%d/%m"}, "4-digit year"),
        ({"encoding": "utf-16"}, "values.encoding must be one of"),
        ({"dates": "dmy"}, "unknown values setting(s) dates"),
    ],
)  # fmt: skip
def test_a_bad_declaration_stops_start_up_naming_it(values: dict[str, Any], message: str) -> None:
    with pytest.raises(RegistryError) as caught:
        SourceRegistry.from_config(config({**FILE_ENTRY, "values": values}))
    assert message in str(caught.value)
    assert FILE_ENTRY["id"] in str(caught.value)
