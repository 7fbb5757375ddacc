"""The configured sources: a YAML list read at start-up into guarded sources, or a loud failure.

    sources:
      - id: VN:GOV:000.00.00.G18:HRM
        kind: sql
        owner: 000.00.00.G18
        dsn: ${G18_LEGACY_DSN}          # ${NAME}: from the wiring's variables (must be there)
        mapping: legacy_vi
        schema: agency_g18
        deadline_s: 2.0                 # the guard's keys (adapters/resilience.py) ...
        retries: 2
        concurrency: 8
        circuit: {consecutive_failures: 5, cool_down_s: 30}
        values:                         # how its values are written (vocabulary/declarations.py)
          code_lists: {ethnicity_code: {list: ethnic_groups_alt, version: "2026.1"}}
          date_format: "%d/%m/%Y"
      - id: VN:GOV:000.00.00.H33:DROP
        kind: file
        owner: 000.00.00.H33
        folder: /srv/drops/h33

Every entry has `id`, `kind` and `owner` (null for national databases), and may have the guard's
keys and `values` (what lists and forms its values are written in; nothing declared: national
code lists and ISO dates); the rest belongs to the kind. Each kind's factory lives in
`adapters.<kind>` and is imported only when a config names that kind, so a gateway without HTTP
sources never imports aiohttp. A module either registers its factory in KIND_FACTORIES when
imported, or defines `from_settings(settings, wiring) -> Source`.
The factory receives the entry without the guard's keys and what the gateway hands every source
(adapters/wiring.py: the `${NAME}` values, the key-encryption key); it raises (FatalSourceError,
ValueError) on missing or malformed settings. Every problem of every entry is reported at
once, each with the entry's position and id.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml

from adapters.base import Source
from adapters.circuit import CircuitPolicy
from adapters.errors import SourceError
from adapters.mappings import MappingError
from adapters.resilience import GuardedSource, GuardPolicy, SourceStats
from adapters.wiring import NO_WIRING, SourceWiring
from store.codelists import CodeListError, load_code_list
from vocabulary.declarations import SourceDeclarations, parse_declarations
from vocabulary.sources import SourceKind, parse_source_id
from vocabulary.standard_record import standard_record

SourceFactory = Callable[[Mapping[str, Any], SourceWiring], Source]

# Filled on demand from the kinds' modules (see the module docstring); tests may add their own.
KIND_FACTORIES: dict[SourceKind, SourceFactory] = {}

KIND_MODULES: dict[SourceKind, str] = {
    SourceKind.SQL: "adapters.sql",
    SourceKind.FILE: "adapters.file",
    SourceKind.EXCHANGE: "adapters.exchange",
    SourceKind.POPULATION: "adapters.population",
    SourceKind.INSURANCE: "adapters.insurance",
}
VALUES_KEY = "values"  # how the source writes its values (vocabulary/declarations.py)
GUARD_KEYS = frozenset(
    {"deadline_s", "retries", "concurrency", "backoff_base_s", "backoff_max_s", "circuit"}
)
_CIRCUIT_KEYS = frozenset(field.name for field in fields(CircuitPolicy))
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class RegistryError(ValueError):
    """The source configuration cannot be used; the message lists every entry at fault."""


def factory_for(kind: SourceKind) -> SourceFactory:
    """The factory of a kind, importing its module on first use; RegistryError if none."""
    if kind in KIND_FACTORIES:
        return KIND_FACTORIES[kind]
    module_name = KIND_MODULES.get(kind)
    if module_name is None:
        raise RegistryError(f"kind {kind.value!r} cannot be configured")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # the module exists but something it needs does not: show that
        raise RegistryError(f"kind {kind.value!r} is not installed ({module_name})") from exc
    factory = KIND_FACTORIES.get(kind) or getattr(module, "from_settings", None)
    if not callable(factory):
        raise RegistryError(
            f"{module_name} neither registers kind {kind.value!r} nor defines from_settings"
        )
    KIND_FACTORIES[kind] = factory
    return factory


def _expand(value: Any, where: str, variables: Mapping[str, str]) -> Any:
    """${NAME} from `variables` in every string of an entry; a name not there is an error."""
    if isinstance(value, str):

        def variable(match: re.Match[str]) -> str:
            name = match[1]
            if name not in variables:
                raise RegistryError(f"{where}: environment variable {name} is not set")
            return variables[name]

        return _ENV.sub(variable, value)
    if isinstance(value, dict):
        return {key: _expand(inner, where, variables) for key, inner in value.items()}
    if isinstance(value, list):
        return [_expand(inner, where, variables) for inner in value]
    return value


def _number(where: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RegistryError(f"{where}: {name} must be a number, got {value!r}")
    return value


def guard_policy(entry: Mapping[str, Any], where: str) -> GuardPolicy:
    """The guard's settings of one entry (defaults for what it leaves out)."""
    values: dict[str, Any] = {}
    for name in GUARD_KEYS - {"circuit"}:
        if name in entry:
            number = _number(where, name, entry[name])
            values[name] = int(number) if name in ("retries", "concurrency") else float(number)
    circuit = entry.get("circuit")
    if circuit is not None:
        if not isinstance(circuit, dict):
            raise RegistryError(f"{where}: circuit must be a mapping")
        unknown = sorted(set(circuit) - _CIRCUIT_KEYS)
        if unknown:
            raise RegistryError(f"{where}: unknown circuit setting(s) {', '.join(unknown)}")
        policy: dict[str, Any] = {}
        for name, value in circuit.items():
            number = _number(where, f"circuit.{name}", value)
            policy[name] = number if name in ("failure_rate", "cool_down_s") else int(number)
        try:
            values["circuit"] = CircuitPolicy(**policy)
        except ValueError as exc:
            raise RegistryError(f"{where}: {exc}") from exc
    try:
        return GuardPolicy(**values)
    except ValueError as exc:
        raise RegistryError(f"{where}: {exc}") from exc


def build_source(entry: object, index: int, wiring: SourceWiring = NO_WIRING) -> GuardedSource:
    """One config entry as a guarded source; RegistryError naming the entry otherwise."""
    where = f"sources[{index}]"
    if not isinstance(entry, dict):
        raise RegistryError(f"{where}: must be a mapping, got {entry!r}")
    source_id = entry.get("id")
    where = f"{where} ({source_id})" if source_id else where
    missing = [key for key in ("id", "kind", "owner") if key not in entry]
    if missing:
        raise RegistryError(f"{where}: missing {', '.join(missing)}")
    if not isinstance(source_id, str):
        raise RegistryError(f"{where}: id must be a string")
    try:
        parse_source_id(source_id)
        kind = SourceKind(entry["kind"])
    except ValueError as exc:
        known = ", ".join(kind.value for kind in KIND_MODULES)
        raise RegistryError(f"{where}: {exc} (kinds: {known})") from exc
    expanded: dict[str, Any] = _expand(entry, where, wiring.variables)
    policy = guard_policy(expanded, where)
    declarations = value_declarations(expanded.get(VALUES_KEY), where)
    settings = {
        key: value for key, value in expanded.items() if key not in GUARD_KEYS and key != VALUES_KEY
    }
    factory = factory_for(kind)
    try:
        source = factory(settings, wiring)
    except (SourceError, MappingError, ValueError, TypeError) as exc:
        raise RegistryError(f"{where}: {exc}") from exc
    source.declare(declarations)
    return GuardedSource(source, policy)


def value_declarations(document: object, where: str) -> SourceDeclarations:
    """An entry's `values` (vocabulary/declarations.py), each declared code list checked: it
    exists, its version is the one shipped, and it is the field's national list or one of its
    variants (`<national list>_<name>`, e.g. ethnic_groups_alt for ethnicity_code)."""
    try:
        declarations = parse_declarations(document, where)
    except ValueError as exc:
        raise RegistryError(str(exc)) from exc
    national = standard_record().code_lists
    for name, declared in declarations.code_lists.items():
        field_list = national.get(name)
        if field_list is None:
            raise RegistryError(f"{where}: values.code_lists.{name}: not a coded field")
        if declared.list != field_list and not declared.list.startswith(f"{field_list}_"):
            raise RegistryError(
                f"{where}: values.code_lists.{name}: {declared.list} is not a list of {field_list}"
            )
        try:
            shipped = load_code_list(declared.list).version
        except CodeListError as exc:
            raise RegistryError(f"{where}: values.code_lists.{name}: {exc}") from exc
        if shipped != declared.version:
            raise RegistryError(
                f"{where}: values.code_lists.{name}: {declared.list} version {declared.version}"
                f" is declared, the gateway has version {shipped}"
            )
    return declarations


class SourceRegistry(Mapping[str, GuardedSource]):
    """The gateway's sources by id, each guarded; close it on shutdown."""

    def __init__(self, sources: Sequence[GuardedSource]) -> None:
        self._sources = {source.id: source for source in sources}

    @classmethod
    def from_config(cls, document: object, wiring: SourceWiring = NO_WIRING) -> SourceRegistry:
        if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
            raise RegistryError("the configuration must be a mapping with a list under 'sources'")
        unknown = sorted(str(key) for key in document if key != "sources")
        if unknown:
            raise RegistryError(f"unknown top-level key(s): {', '.join(unknown)}")
        built: list[GuardedSource] = []
        errors: list[str] = []
        seen: dict[str, int] = {}
        for index, entry in enumerate(document["sources"]):
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                first = seen.setdefault(entry["id"], index)
                if first != index:
                    errors.append(
                        f"sources[{index}] ({entry['id']}): the same id as sources[{first}]"
                    )
                    continue
            try:
                built.append(build_source(entry, index, wiring))
            except RegistryError as exc:
                errors.append(str(exc))
        if errors:
            raise RegistryError("; ".join(errors))
        return cls(built)

    @classmethod
    def from_yaml(cls, path: str | Path, wiring: SourceWiring = NO_WIRING) -> SourceRegistry:
        try:
            document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise RegistryError(f"{path}: cannot read the source configuration: {exc}") from exc
        try:
            return cls.from_config(document, wiring)
        except RegistryError as exc:
            raise RegistryError(f"{path}: {exc}") from exc

    def __getitem__(self, source_id: str) -> GuardedSource:
        return self._sources[source_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def stats(self) -> list[SourceStats]:
        return [source.stats() for source in self._sources.values()]

    async def aclose(self) -> None:
        for source in self._sources.values():
            await source.aclose()
