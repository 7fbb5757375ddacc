"""Kind `file`: CSV and XLSX drops in a folder, each file ingested once.

    source = FileSource("VN:GOV:000.00.00.H33:DROP", "000.00.00.H33", folder="/srv/drops/h33")
    page = await source.changes(None, 500)

Agencies without a database drop spreadsheets of the Ministry's template into a shared folder.
Files are read in name order; a file is identified by the SHA-256 of its bytes, so the cursor
(opaque: the names and checksums read so far, and the position inside the file being read) makes
a re-dropped identical file yield nothing, while a changed file is a new version read in full.
Drops must appear atomically (write elsewhere, then rename): a half-written file is a new
version too.

Text: the encoding the source declares (`values.encoding` in the sources file: utf-8, cp1258,
cp1252, tcvn3, vni), strictly; undeclared, UTF-8 with or without BOM, and anything else byte for
byte (Latin-1) so that TCVN3 and VNI letters survive to `adapters.encodings`, which converts the
cells of a file it recognises; NFD becomes NFC. Dates in text are read in the declared
`values.date_format`, or ISO. A file that cannot be opened at all becomes one record with a
problem, never a silent gap.

The change stamp: the mapping's `person.change` column (the template's "Thời điểm cập nhật")
is when the agency changed the row, read by adapters/change_stamp.py into
`SourceRecord.changed_at`; a drop without that column, or an empty cell, is not measured.

Identity: a file with the mapping's record-id column (`person.key`, "Mã hồ sơ" in the
template) keys each row by it, so a personal ID corrected in a later drop updates the same
stored record; a row of such a file without its id is refused (`record_id_missing`). A file
without the column keys each row by its personal ID (the template before the column): there a
corrected personal ID is a new key, which the sync refuses while the source holds an active
namesake (`identity_unkeyed_change`, docs/sync.md) instead of storing a second person.

The dossier's lists (the mapping's `dossier` section, one per list of the field catalogue, with
the slug that names it) come in related files or sheets, keyed by the person row's personal ID
column: a CSV drop `2025-01_nhan_su.csv` has `2025-01_nhan_su.quan_he_gia_dinh.csv` and so on
beside it (read with it, in its encoding; the set's checksums together are the drop's version);
an XLSX drop has one sheet per list after the person sheet, named by the list ("Quan hệ gia
đình"). A list whose file or sheet the drop has replaces that list of every person in the drop;
a drop with none of them carries no lists. An entry whose key names no person of the drop is
not dropped: it becomes a record of its own, rejected with `dossier_entry_orphan`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import codecs
import csv
import functools
import hashlib
import io
import json
import os
import re
import zlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar
from zipfile import BadZipFile

from adapters.base import Source, timed_health
from adapters.change_stamp import read_change_stamp
from adapters.encodings import convert, detect_encoding, legacy_looking
from adapters.errors import FatalSourceError, SourceClosed, SourceUnavailable
from adapters.mappings import DetailRule, MappingSpec, RecordRule, load_mapping, map_row
from adapters.text_hygiene import LEGACY_ENCODING_CONVERTED
from adapters.wiring import NO_WIRING, SourceWiring
from store.text import fold
from vocabulary.problems import Problem
from vocabulary.sources import Capability, ChangePage, Health, SourceKind, SourceRecord

SUFFIXES = (".csv", ".xlsx")
_SETTINGS = {"id", "kind", "owner", "folder", "mapping"}
_CACHED_FILES = 2  # parsed files kept between pages: the one being read and the next
RECORD_ID_MISSING = "record_id_missing"


# --- the cursor (pure) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DropPosition:
    """Files read to the end (name, sha256), and how far into the current one."""

    done: tuple[tuple[str, str], ...] = ()
    current: tuple[str, str, int] | None = None  # (name, sha256, rows already read)

    def encode(self) -> str:
        document = {"v": 1, "done": [list(pair) for pair in self.done]}
        if self.current is not None:
            document["at"] = list(self.current)
        packed = zlib.compress(json.dumps(document, ensure_ascii=False).encode())
        return base64.urlsafe_b64encode(packed).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str | None, source_id: str = "") -> DropPosition:
        if cursor is None:
            return cls()
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            document = json.loads(zlib.decompress(base64.urlsafe_b64decode(padded.encode())))
            if document["v"] != 1:
                raise ValueError(document["v"])
            done = tuple((str(name), str(sha)) for name, sha in document["done"])
            at = document.get("at")
            current = (str(at[0]), str(at[1]), int(at[2])) if at else None
        except (ValueError, KeyError, TypeError, IndexError, zlib.error, binascii.Error) as exc:
            raise FatalSourceError(
                f"{source_id}: {cursor!r} is not a cursor of this source", source_id=source_id
            ) from exc
        return cls(done, current)

    @property
    def done_checksums(self) -> frozenset[str]:
        return frozenset(sha for _, sha in self.done)


# --- reading one file (pure: bytes in, rows out) --------------------------------------------------


Rows = tuple[Mapping[str, Any], ...]  # heading (folded) -> cell
ORPHAN = "dossier_entry_orphan"


def list_slug(text: str) -> str:
    """How a list's file or sheet is named, compared: "Quan hệ gia đình" -> "quan_he_gia_dinh"."""
    return "_".join(re.findall(r"[a-z0-9]+", fold(text)))


def related_name(main: str, slug: str) -> str:
    """The related CSV file of a list: "2025-01_nhan_su.csv" -> "2025-01_nhan_su.<slug>.csv"."""
    return f"{main[: -len('.csv')]}.{slug}.csv"


def drop_checksum(main_sha: str, related: Mapping[str, str]) -> str:
    """A drop's version: the person file's SHA-256, or with related files that of all of them."""
    if not related:
        return main_sha
    text = "\n".join([main_sha, *(f"{slug}:{sha}" for slug, sha in sorted(related.items()))])
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class DroppedFile:
    name: str
    sha256: str
    rows: Rows
    problem: Problem | None = None  # the whole file could not be read
    lists: Mapping[str, tuple[str, Rows]] = field(default_factory=dict)
    """List slug -> (the related file's or sheet's name, its rows)."""


_LEGACY = ("tcvn3", "vni")  # font encodings: bytes read as Latin-1, then converted cell by cell


def decode_text(data: bytes, encoding: str | None = None) -> str:
    """The text of a CSV drop. Declared: that encoding, strictly (UnicodeDecodeError otherwise).
    Undeclared: UTF-8 with or without BOM; otherwise byte for byte, for the legacy detector."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if encoding in _LEGACY:
        return data.decode("latin-1")
    if encoding is not None:
        return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _rows(
    headings: Sequence[Any], records: Any, declared: str | None = None
) -> tuple[Mapping[str, Any], ...]:
    """Rows keyed by folded headings; legacy-encoded cells converted file-wide (every cell when
    the source declares TCVN3 or VNI, else only when the detector is sure of the file)."""
    table = [list(headings)]
    for record in records:
        values = list(record)
        if any(value not in (None, "") for value in values):
            table.append(values)  # blank lines and rows that were only formatted are skipped
    originals = table
    if declared in _LEGACY:
        table = [[convert(c, declared) if isinstance(c, str) else c for c in row] for row in table]
        encoding = None
    else:
        encoding = detect_encoding(c for row in table for c in row if isinstance(c, str))
    if encoding is not None:
        table = [
            [convert(cell, encoding) if isinstance(cell, str) and legacy_looking(cell) else cell
             for cell in row]
            for row in table
        ]  # fmt: skip
    keys = [fold(str(cell or "")) for cell in table[0]]
    rows = tuple(
        ConvertedRow({key: value for key, value in zip(keys, values, strict=False) if key})
        for values in table[1:]
    )
    if declared in _LEGACY or encoding is not None:
        for row, before, after in zip(rows, originals[1:], table[1:], strict=True):
            row.converted = {
                key: old
                for key, old, new in zip(keys, before, after, strict=False)
                if key and isinstance(old, str) and old != new
            }
    return rows


class ConvertedRow(dict[str, Any]):
    """A row of a drop, and the cells the file-wide legacy conversion (TCVN3, VNI) changed, as
    they were read (heading -> text): the record carries each as a correction, as the sync
    records the repairs it makes itself, so the agency sees its file was read from an old font."""

    converted: Mapping[str, str] = {}  # read-only default; set per converted row


def parse_csv(data: bytes, encoding: str | None = None) -> tuple[Mapping[str, Any], ...]:
    text = decode_text(data, encoding)
    first_line = text.split("\n", 1)[0]
    # Excel in a Vietnamese locale separates with ';' (the decimal mark is ',')
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headings = next(reader, [])
    return _rows(headings, reader, encoding)


def parse_xlsx(data: bytes, encoding: str | None = None) -> tuple[Mapping[str, Any], ...]:
    return parse_workbook(data, encoding)[0]


def parse_workbook(
    data: bytes, encoding: str | None = None
) -> tuple[Rows, dict[str, tuple[str, Rows]]]:
    """The first sheet's rows, and every other sheet's by its slug (list_slug of its title)."""
    from openpyxl import load_workbook  # imported here: only XLSX drops need it

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = []
        for sheet in workbook.worksheets:
            records = sheet.iter_rows(values_only=True)
            headings = next(records, ())
            sheets.append((sheet.title, _rows(headings, records, encoding)))
        if not sheets:
            raise ValueError("a workbook without sheets")
        return sheets[0][1], {list_slug(title): (title, rows) for title, rows in sheets[1:]}
    finally:
        workbook.close()


def parse_file(
    name: str,
    data: bytes,
    encoding: str | None = None,
    related: Mapping[str, bytes] | None = None,
) -> DroppedFile:
    """A drop read: its person rows, and its lists (`related`: a CSV drop's related files by
    list slug; an XLSX drop's lists are its other sheets)."""
    related = related or {}
    sha = drop_checksum(
        hashlib.sha256(data).hexdigest(),
        {slug: hashlib.sha256(content).hexdigest() for slug, content in related.items()},
    )
    lists: dict[str, tuple[str, Rows]] = {}
    try:
        if name.lower().endswith(".xlsx"):
            rows, lists = parse_workbook(data, encoding)
        else:
            rows = parse_csv(data, encoding)
            for slug, content in related.items():
                lists[slug] = (related_name(name, slug), parse_csv(content, encoding))
    except UnicodeDecodeError:
        problem = Problem(None, "file_encoding", None, f"a file in the declared {encoding}")
        return DroppedFile(name, sha, (), problem)
    except (BadZipFile, KeyError, ValueError, OSError, csv.Error):
        return DroppedFile(name, sha, (), Problem(None, "file_unreadable", None, "CSV or XLSX"))
    return DroppedFile(name, sha, rows, lists=lists)


# --- the source -----------------------------------------------------------------------------------


class FileSource(Source):
    """A folder of CSV and XLSX drops read through a mapping of the template's headings.

    Args:
        source_id: `VN:GOV:<agency code>:<subsystem>`.
        owner: the agency's electronic code.
        folder: the drop folder (missing or unreadable: SourceUnavailable, as a share that is
            not mounted).
        mapping: headings -> standard fields (default adapters/mappings/file_drop.yaml).
    """

    kind: ClassVar[SourceKind] = SourceKind.FILE
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.CHANGE_FEED})

    def __init__(
        self,
        source_id: str,
        owner: str | None,
        *,
        folder: str | Path,
        mapping: MappingSpec | str | Path = "file_drop",
    ) -> None:
        super().__init__(source_id, owner)
        self.folder = Path(folder)
        self.mapping = mapping if isinstance(mapping, MappingSpec) else load_mapping(mapping)
        self._rule = self.mapping.person
        self._checksums: dict[tuple[str, int, int], str] = {}
        self._parsed: OrderedDict[str, DroppedFile] = OrderedDict()
        self._grouped: OrderedDict[str, _DropLists | None] = OrderedDict()
        self._keyed: dict[str, bool] = {}  # file checksum -> it has the record-id column
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FileSource:
        """From a registry entry: id, owner, folder, and optionally mapping."""
        unknown = sorted(set(settings) - _SETTINGS)
        if unknown:
            raise FatalSourceError(f"unknown setting(s) for kind file: {', '.join(unknown)}")
        for name in ("id", "folder"):
            if not isinstance(settings.get(name), str) or not settings[name]:
                raise FatalSourceError(f"kind file needs the setting {name!r} (a string)")
        return cls(
            settings["id"],
            settings.get("owner"),
            folder=settings["folder"],
            mapping=settings.get("mapping", "file_drop"),
        )

    async def changes(self, cursor: str | None, limit: int) -> ChangePage:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self._check_open()
        position = DropPosition.decode(cursor, self.id)
        listing = await asyncio.to_thread(self._listing)
        done = set(position.done)
        done_checksums = set(position.done_checksums)
        pending = [(name, sha) for name, sha in listing if sha not in done_checksums]
        current = position.current
        if current is not None and (current[0], current[1]) in pending:
            # finish the file being read before the others
            pending.remove((current[0], current[1]))
            pending.insert(0, (current[0], current[1]))
        else:
            current = None

        records: list[SourceRecord] = []
        while pending and len(records) < limit:
            name, sha = pending[0]
            if sha in done_checksums:  # the same bytes under another name, read just now
                pending.pop(0)
                continue
            dropped = await self._parsed_file(name, sha)
            start = current[2] if current is not None and current[1] == sha else 0
            taken = self._records(dropped, start, limit - len(records))
            records.extend(taken)
            if start + len(taken) >= max(self._size(dropped), 1 if dropped.problem else 0):
                done.add((name, sha))
                done_checksums.add(sha)
                pending.pop(0)
                current = None
            else:
                current = (name, sha, start + len(taken))

        pending_rows = any(sha not in done_checksums for _, sha in pending)
        after = DropPosition(tuple(sorted(done)), current)
        if not records and after == position:
            return ChangePage((), cursor, False)
        return ChangePage(tuple(records), after.encode(), current is not None or pending_rows)

    def _records(self, dropped: DroppedFile, start: int, room: int) -> list[SourceRecord]:
        version = dropped.sha256[:16]
        if dropped.problem is not None:
            if start > 0:
                return []
            record = SourceRecord(
                dropped.name, version, {}, problems=(dropped.problem,), location=dropped.name
            )
            return [record]
        out = []
        date_format = self.declarations.date_format
        lists = self._lists(dropped)
        key = self._key_of(dropped)
        for number, row in enumerate(dropped.rows[start : start + room], start=start + 1):
            folded = _FoldedRow(row)
            mapped = map_row(self._rule, folded, date_format)
            location = f"{dropped.name}#{number}"
            problems = mapped.problems
            if key is None:
                # no record-id column: the personal ID is the row's identity (docs/sync.md)
                personal_id = mapped.fields.get("personal_id")
                # as the sync normalises it: "040 190 001234" is the same row's key
                key_text = "".join(str(personal_id or "").split()).replace(".", "")
                record_id = key_text or location
            else:
                key_heading = self._rule.key
                cell = row.get(key)
                record_id = str(cell).strip() if cell is not None else ""
                if not record_id:
                    record_id = location
                    problems = (
                        *problems,
                        Problem(None, RECORD_ID_MISSING, None, f"an id in {key_heading}"),
                    )
            stamp = self._change_stamp(folded)
            if isinstance(stamp, Problem):
                problems, stamp = (*problems, stamp), None
            # a file-wide conversion, and the repairs made reading single values (one row per
            # field and rule is recorded however many say it)
            corrections = (*_conversions(self._rule, row), *mapped.corrections)
            sections = None
            if lists is not None:
                person_key = _key(row, lists.key_heading)
                sections, found, repaired = lists.of(person_key, date_format)
                problems = (*problems, *found)
                corrections = (*corrections, *lists.conversions(person_key), *repaired)
            out.append(
                SourceRecord(
                    record_id,
                    version,
                    mapped.fields,
                    problems=problems,
                    location=location,
                    sections=sections,
                    changed_at=stamp,
                    corrections=corrections,
                )
            )
        orphans = lists.orphans(dropped.rows) if lists is not None else []
        first_orphan = max(start - len(dropped.rows), 0)
        for where, table, named in orphans[first_orphan : first_orphan + room - len(out)]:
            problem = Problem(table, ORPHAN, named, "the personal ID of a person of the drop")
            out.append(SourceRecord(where, version, {}, problems=(problem,), location=where))
        return out

    def _lists(self, dropped: DroppedFile) -> _DropLists | None:
        """The drop's lists as the mapping declares them (None: the drop carries none), grouped
        once per drop, not once per page."""
        if dropped.sha256 in self._grouped:
            return self._grouped[dropped.sha256]
        present = {
            table: (rule, dropped.lists[str(rule.table)])
            for table, rule in self.mapping.dossier.items()
            if rule.table in dropped.lists
        }
        grouped = _DropLists(present) if present else None
        self._grouped[dropped.sha256] = grouped
        while len(self._grouped) > _CACHED_FILES:
            self._grouped.popitem(last=False)
        return grouped

    def _size(self, dropped: DroppedFile) -> int:
        """Records of the drop: its person rows, then one per orphaned list entry."""
        lists = self._lists(dropped)
        orphans = len(lists.orphans(dropped.rows)) if lists is not None else 0
        return len(dropped.rows) + orphans

    def _change_stamp(self, row: Mapping[str, Any]) -> datetime | Problem | None:
        column = self._rule.change_column
        if column is None or self._rule.change_type != "timestamp":
            return None
        return read_change_stamp(row.get(column))

    def _key_of(self, dropped: DroppedFile) -> str | None:
        """The folded heading of the mapping's record-id column when this file has it."""
        if self._rule.key is None:
            return None
        key = fold(self._rule.key)
        keyed = self._keyed.get(dropped.sha256)
        if keyed is None:
            keyed = self._keyed[dropped.sha256] = any(key in row for row in dropped.rows)
            while len(self._keyed) > _CACHED_FILES * 8:
                self._keyed.pop(next(iter(self._keyed)))
        return key if keyed else None

    def _listing(self) -> list[tuple[str, str]]:
        """(name, version) of the folder's drops in name order: a drop's version is its
        checksum, or with related files that of the set (drop_checksum); checksums cached per
        file state. Related files are part of their drop, never drops themselves."""
        try:
            entries = sorted(os.scandir(self.folder), key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError, PermissionError) as exc:
            raise SourceUnavailable(
                f"{self.id}: drop folder {self.folder} is not there ({exc.strerror})",
                source_id=self.id,
            ) from exc
        files: dict[str, str] = {}
        for entry in entries:
            name = entry.name
            # Excel's lock files (~$x.xlsx) and hidden files are never drops
            if name.startswith(("~$", ".")) or not name.lower().endswith(SUFFIXES):
                continue
            if not entry.is_file():
                continue
            stat = entry.stat()
            key = (name, stat.st_size, stat.st_mtime_ns)
            sha = self._checksums.get(key)
            if sha is None:
                sha = hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()
                self._checksums[key] = sha
            files[name] = sha
        related = {name for main in files for name in self._related(main, files).values()}
        return [
            (name, drop_checksum(sha, {s: files[n] for s, n in self._related(name, files).items()}))
            for name, sha in files.items()
            if name not in related
        ]

    def _related(self, main: str, names: Mapping[str, str] | set[str]) -> dict[str, str]:
        """List slug -> name of the related CSV files of a CSV drop that are in `names`."""
        if not main.lower().endswith(".csv"):
            return {}
        slugs = [str(rule.table) for rule in self.mapping.dossier.values()]
        return {
            slug: related_name(main, slug) for slug in slugs if related_name(main, slug) in names
        }

    async def _parsed_file(self, name: str, sha: str) -> DroppedFile:
        dropped = self._parsed.get(sha)
        if dropped is None:
            try:
                data = await asyncio.to_thread((self.folder / name).read_bytes)
                names = set(await asyncio.to_thread(os.listdir, self.folder))
                related = {
                    slug: await asyncio.to_thread((self.folder / file).read_bytes)
                    for slug, file in self._related(name, names).items()
                }
            except OSError as exc:
                raise SourceUnavailable(
                    f"{self.id}: cannot read {name}: {exc}", source_id=self.id
                ) from exc
            encoding = self.declarations.encoding
            dropped = await asyncio.to_thread(parse_file, name, data, encoding, related)
            if dropped.sha256 != sha:  # replaced between listing and reading: read it next time
                raise SourceUnavailable(f"{self.id}: {name} changed while read", source_id=self.id)
            self._parsed[sha] = dropped
            while len(self._parsed) > _CACHED_FILES:
                self._parsed.popitem(last=False)
        return dropped

    def _check_open(self) -> None:
        if self._closed:
            raise SourceClosed(f"{self.id} is closed", source_id=self.id)

    async def health(self) -> Health:
        async def check() -> str:
            self._check_open()
            files = len(await asyncio.to_thread(self._listing))
            return f"{files} file(s) in the drop folder"

        return await timed_health(check)

    async def aclose(self) -> None:
        self._closed = True
        self._parsed.clear()
        self._grouped.clear()


def _key(row: Mapping[str, Any], heading: str) -> str | None:
    """The record id cell of a row (a person's or a list entry's), as written."""
    value = row.get(fold(heading))
    text = "" if value is None else str(value).strip()
    return text or None


class _DropLists:
    """A drop's lists, grouped by the record id their entries name."""

    def __init__(self, present: Mapping[str, tuple[DetailRule, tuple[str, Rows]]]) -> None:
        self.present = present
        headings = {rule.person_column for rule, _ in present.values()}
        if len(headings) != 1:
            raise FatalSourceError("the mapping's dossier lists must share one key column")
        self.key_heading = headings.pop()
        self._orphans: list[tuple[str, str, str | None]] | None = None
        self.by_key: dict[str, dict[str | None, list[tuple[int, Mapping[str, Any]]]]] = {}
        for table, (rule, (_name, rows)) in present.items():
            grouped: dict[str | None, list[tuple[int, Mapping[str, Any]]]] = {}
            for number, row in enumerate(rows, start=1):
                grouped.setdefault(_key(row, rule.person_column), []).append((number, row))
            self.by_key[table] = grouped

    def of(
        self, key: str | None, date_format: str | None
    ) -> tuple[dict[str, tuple[Mapping[str, Any], ...]], tuple[Problem, ...], tuple[Problem, ...]]:
        """The lists of the person whose record id is `key`, their entries' problems, and the
        repairs made to read their values (a code read through an invisible character)."""
        sections: dict[str, tuple[Mapping[str, Any], ...]] = {}
        problems: list[Problem] = []
        repairs: list[Problem] = []
        for table, (rule, _file) in self.present.items():
            entries = []
            for number, (_row_number, row) in enumerate(
                self.by_key[table].get(key, []) if key else [], start=1
            ):
                mapped = map_row(rule, _FoldedRow(row), date_format)
                entries.append(mapped.fields)
                problems += [p.in_entry(table, number) for p in mapped.problems]
                repairs += [p.in_entry(table, number) for p in mapped.corrections]
            sections[table] = tuple(entries)
        return sections, tuple(problems), tuple(repairs)

    def conversions(self, key: str | None) -> tuple[Problem, ...]:
        """The cells of this person's list entries the file-wide legacy conversion changed,
        named by entry as the lists' problems are (recorded as corrections, as the person's)."""
        out: list[Problem] = []
        for table, (rule, _file) in self.present.items():
            for number, (_row_number, row) in enumerate(
                self.by_key[table].get(key, []) if key else [], start=1
            ):
                out += [p.in_entry(table, number) for p in _conversions(rule, row)]
        return tuple(out)

    def orphans(self, people: Rows) -> list[tuple[str, str, str | None]]:
        """(file or sheet#row, list table, key) of the entries that name no person of the drop
        (the drop's people are always the same rows: found once)."""
        if self._orphans is None:
            keys = {_key(row, self.key_heading) for row in people} - {None}
            out = []
            for table, (_rule, (name, _rows)) in self.present.items():
                for key, rows in self.by_key[table].items():
                    if key not in keys:
                        out += [(f"{name}#{number}", table, key) for number, _row in rows]
            self._orphans = sorted(out)
        return self._orphans


def _conversions(rule: RecordRule, row: Mapping[str, Any]) -> tuple[Problem, ...]:
    """The rule's fields read from cells of the row the file-wide legacy conversion changed."""
    converted = getattr(row, "converted", None)
    if not converted:
        return ()
    out = []
    for field_rule in rule.fields:
        written = [
            converted[k] for c in field_rule.columns if (k := _folded_heading(c)) in converted
        ]
        if written:
            out.append(Problem(field_rule.target, LEGACY_ENCODING_CONVERTED, " ".join(written)))
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def _folded_heading(heading: str) -> str:
    # the mapping names the same few dozen headings for every row of every file
    return fold(heading)


class _FoldedRow(Mapping[str, Any]):
    """A row keyed by folded headings, looked up by the mapping's headings as written."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self._row = row

    def __getitem__(self, key: str) -> Any:
        return self._row[_folded_heading(key)]

    def get(self, key: str, default: Any = None) -> Any:
        # what map_row calls for every column: no KeyError raised for the columns a file lacks
        return self._row.get(_folded_heading(key), default)

    def __iter__(self) -> Any:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


def from_settings(settings: Mapping[str, Any], wiring: SourceWiring = NO_WIRING) -> Source:
    """The registry's factory for kind file."""
    return FileSource.from_settings(settings)
