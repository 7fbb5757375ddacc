"""`cbccvc sync [--source ID] [--full] [--report] [--lang vi|en] [--rejects-csv FILE]`: the
agencies' change feeds into the store.

Sources come from CBCCVC_SOURCES (the registry YAML), as for `cbccvc serve`. A progress bar
shows records per second per source and the ETA over the sources; `--report` prints the last
run of each source, open rejects and the corrections made, by rule (with the rule's title from
the reject catalogue), and open conflicts; `--rejects-csv` writes the open rejects (of
`--source`, or all) for the agencies: where each record is, the field, the rule, its title and
explanation and the form expected, without the rejected values (personal data, which the
gateway's /export/rejects.csv shows only to callers whose policy allows it). Both speak
`--lang` (Vietnamese by default). Neither syncs anything unless `--source` or `--full` is
given too. `--processes N` syncs the sources over N worker processes (sync/processes.py): a
national run on a machine of N cores.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from typing import Any

from gateway.cli.common import Subcommands, prepare_store, store_url
from gateway.settings import Settings

_WORDS = {
    "vi": {
        "runs": "Lần đồng bộ gần nhất của mỗi nguồn:",
        "rules": "Bản ghi bị từ chối đang mở, theo quy tắc:",
        "corrections": "Giá trị đã được sửa khi lưu (nên sửa ở nguồn), theo quy tắc:",
        "mismatches": "Sai khác với cơ sở dữ liệu dân cư, theo nguồn:",
        "conflicts": "Xung đột đang mở (50 đầu tiên):",
        "none": "không có",
    },
    "en": {
        "runs": "Last run per source:",
        "rules": "Open rejects by rule:",
        "corrections": "Values repaired on storing (fix the source's copy), by rule:",
        "mismatches": "Identity mismatches with the population database, by source:",
        "conflicts": "Open conflicts (first 50):",
        "none": "none",
    },
}
CSV_COLUMNS = {
    "vi": ("nguồn", "khóa bản ghi", "phiên bản", "vị trí (tệp#dòng)", "trường", "quy tắc",
           "tiêu đề", "giải thích", "dạng mong đợi", "lần đầu", "lần cuối"),
    "en": ("source", "record key", "version", "location (file#row)", "field", "rule", "title",
           "explanation", "expected", "first seen", "last seen"),
}  # fmt: skip


async def _open_rejects(dsn: str, source: str | None) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return list(
            await conn.fetch(
                """SELECT source_id, source_record_id, source_version, location, field, rule,
                          first_seen, last_seen
                     FROM sync_reject
                    WHERE resolved_at IS NULL AND ($1::text IS NULL OR source_id = $1)
                    ORDER BY source_id, coalesce(location, source_record_id), field, rule""",
                source,
            )
        )
    finally:
        await conn.close()


def write_rejects_csv(rows: list[Any], path: str, lang: str) -> None:
    """The open rejects as CSV for an agency, in its language; no rejected values."""
    import csv

    from vocabulary.reject_catalogue import reject_catalogue

    catalogue = reject_catalogue()
    # utf-8-sig: Excel on a Vietnamese Windows opens it with the marks right
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS[lang])
        for r in rows:
            rule = catalogue.rule(r["rule"])
            explanation = rule.explanation(lang) if rule else ""
            expected = rule.expected(lang) if rule else ""
            writer.writerow(
                (
                    r["source_id"],
                    r["source_record_id"],
                    r["source_version"],
                    r["location"] or "",
                    r["field"],
                    r["rule"],
                    catalogue.title(r["rule"], lang),
                    explanation,
                    expected,
                    f"{r['first_seen']:%Y-%m-%d %H:%M}",
                    f"{r['last_seen']:%Y-%m-%d %H:%M}",
                )
            )


async def _report(dsn: str, lang: str = "vi") -> list[str]:
    import asyncpg

    from vocabulary.reject_catalogue import reject_catalogue

    words = _WORDS[lang]
    catalogue = reject_catalogue()

    conn = await asyncpg.connect(dsn)
    try:
        runs = await conn.fetch(
            """SELECT DISTINCT ON (source_id) source_id, status, started_at, finished_at,
                      inserted, updated, unchanged, rejected, deleted, conflicts
                 FROM sync_run ORDER BY source_id, id DESC"""
        )
        rules = await conn.fetch(
            """SELECT rule, field, count(*) AS n FROM sync_reject WHERE resolved_at IS NULL
                GROUP BY rule, field ORDER BY n DESC, rule, field"""
        )
        corrections = await conn.fetch(
            """SELECT rule, field, count(*) AS n FROM sync_correction
                GROUP BY rule, field ORDER BY n DESC, rule, field"""
        )
        mismatches = await conn.fetch(
            """SELECT source_id, count(*) AS n FROM reconciliation
                GROUP BY source_id ORDER BY n DESC, source_id"""
        )
        conflicts = await conn.fetch(
            """SELECT personal_id, owner_source_id, other_source_id, since FROM sync_conflict
                WHERE resolved_at IS NULL ORDER BY since LIMIT 50"""
        )
    finally:
        await conn.close()
    lines = [words["runs"]]
    for r in runs:
        lines.append(
            f"  {r['source_id']:<32} {r['status']:<11} ins {r['inserted']:>7} upd {r['updated']:>6}"
            f" same {r['unchanged']:>7} rej {r['rejected']:>5} del {r['deleted']:>5}"
            f" conflicts {r['conflicts']:>4}"
        )
    lines.append(words["rules"])
    lines += [
        f"  {r['rule']:<32} {r['field']:<20} {r['n']:>7}  {catalogue.title(r['rule'], lang)}"
        for r in rules
    ] or [f"  {words['none']}"]
    # counts only: the repaired texts are personal data, shown by the gateway's policy engine
    lines.append(words["corrections"])
    lines += [
        f"  {c['rule']:<32} {c['field']:<20} {c['n']:>7}  {catalogue.title(c['rule'], lang)}"
        for c in corrections
    ] or [f"  {words['none']}"]
    lines.append(words["mismatches"])
    lines += [f"  {m['source_id']:<32} {m['n']:>7}" for m in mismatches] or [f"  {words['none']}"]
    lines.append(words["conflicts"])
    lines += [
        f"  {c['personal_id'][:3]}…{c['personal_id'][-2:]} {c['owner_source_id']}"
        f" <> {c['other_source_id']} since {c['since']:%Y-%m-%d %H:%M}"
        for c in conflicts
    ] or [f"  {words['none']}"]
    return lines


async def _sync(dsn: str, settings: Settings, args: argparse.Namespace) -> int:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from adapters.registry import SourceRegistry
    from gateway.sources import source_wiring
    from sync.organizations import sync_organizations
    from sync.pipeline import RunResult, change_feed_sources, sync_source
    from sync.processes import sync_in_processes

    if settings.sources_config is None:
        print("cbccvc sync: set CBCCVC_SOURCES to the sources YAML", file=sys.stderr)
        return 2
    registry = SourceRegistry.from_yaml(settings.sources_config, source_wiring(settings))
    try:
        sources = change_feed_sources(registry, args.source)
        if not sources:
            print(f"cbccvc sync: no change-feed source {args.source or ''}", file=sys.stderr)
            return 2
        orgs = await sync_organizations(dsn, registry)
        print(
            f"organisations: {orgs.inserted} new, {orgs.updated} changed, {orgs.rejected} rejected"
        )
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            disable=not sys.stdout.isatty(),
        )
        with progress:
            overall = progress.add_task("sources", total=len(sources), rate="")
            records = progress.add_task("records", total=None, rate="")

            def advance(_source: str, count: int) -> None:
                progress.advance(records, count)
                task: Any = progress.tasks[records]
                speed = task.speed
                progress.update(records, rate=f"{speed:,.0f} records/s" if speed else "")

            def show(result: RunResult) -> None:
                c = result.counts
                progress.console.print(
                    f"{result.source_id}: {result.status} +{c.inserted} ~{c.updated}"
                    f" ={c.unchanged} rejected {c.rejected} deleted {c.deleted}"
                    f" conflicts {c.conflicts} ({result.seconds:.1f} s)"
                    + (f" {result.error}" if result.error else "")
                )
                progress.advance(overall)

            if args.processes > 1:
                # the sources over worker processes, each building its own from the file
                progress.update(overall, description=f"{args.processes} processes")
                results = await sync_in_processes(
                    dsn, settings.sources_config, args.processes,
                    wiring=source_wiring(settings), only=args.source, full=args.full,
                    batch_size=args.batch_size, progress=advance, organizations=False,
                )  # fmt: skip
                for result in results:
                    show(result)
            else:
                results = []
                for source in sources:
                    progress.update(overall, description=f"{source.id}")
                    result = await sync_source(
                        dsn, source, full=args.full, batch_size=args.batch_size, progress=advance
                    )
                    results.append(result)
                    show(result)
            failed = sum(result.status == "failed" for result in results)
        await _scorecard(dsn)
        if args.reconcile:
            from sync.reconcile import reconcile

            report = await reconcile(dsn, registry)
            print(
                f"reconciliation: {report.checked} checked,"
                f" {sum(report.mismatches.values())} mismatches flagged,"
                f" {report.unavailable} not checked (population database unavailable)"
            )
    finally:
        await registry.aclose()
    return 1 if failed else 0


async def _scorecard(dsn: str) -> None:
    """Today's scorecard snapshot, from what the sync just wrote."""
    from analytics.scorecard import VIETNAM
    from analytics.scorecard_store import take_snapshot
    from store.database import create_engine

    engine = create_engine(dsn, pool_size=1)
    try:
        cards = await take_snapshot(engine, datetime.now(VIETNAM).date())
    finally:
        await engine.dispose()
    breaching = sum(1 for card in cards if card.breaches)
    print(f"scorecard: {len(cards)} agencies, {breaching} breaching a threshold")


def command_sync(args: argparse.Namespace, settings: Settings) -> int:
    from store.database import sync_free_dsn

    with store_url(settings) as url:
        asyncio.run(prepare_store(url))
        dsn = sync_free_dsn(url)
        code = 0
        only_reading = args.report or args.rejects_csv
        if not only_reading or args.full or args.reconcile or (args.source and args.report):
            from sync.collector import bulk_collector

            bulk_collector()  # a process that syncs in bulk (sync/collector.py says why)
            code = asyncio.run(_sync(dsn, settings, args))
        if args.report:
            print("\n".join(asyncio.run(_report(dsn, args.lang))))
        if args.rejects_csv:
            rows = asyncio.run(_open_rejects(dsn, args.source))
            write_rejects_csv(rows, args.rejects_csv, args.lang)
            print(f"{args.rejects_csv}: {len(rows)} open rejects")
    return code


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: at least 1")
    return value


def add_command(commands: Subcommands) -> None:
    sync = commands.add_parser("sync", help="sync the agencies' records into the store")
    sync.add_argument("--source", help="only this source id (VN:GOV:<code>:<subsystem>)")
    sync.add_argument("--full", action="store_true", help="read the feed from the beginning")
    sync.add_argument("--report", action="store_true", help="runs, rejects by rule, conflicts")
    sync.add_argument(
        "--reconcile", action="store_true", help="then check everyone with the population database"
    )
    sync.add_argument("--batch-size", type=int, default=1000, help="records per transaction")
    sync.add_argument(
        "--processes",
        type=_positive,
        default=1,
        help="worker processes syncing sources side by side (a national run: one per core)",
    )
    sync.add_argument(
        "--lang", choices=("vi", "en"), default="vi", help="language of --report and the CSV"
    )
    sync.add_argument(
        "--rejects-csv", metavar="FILE", help="write the open rejects (of --source) as CSV"
    )
    sync.set_defaults(run=command_sync)
