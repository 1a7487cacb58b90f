"""`python -m bench [cold] [warm] [faults] [contention] [refresh] [package] [burst] [datadir] [backup] [scale]
[report]`: run the benchmarks (all by default) against one moto server (the local ones, faults, scale and
report start their own servers) and write their tables into bench/results.md, keeping the sections not run."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
from collections.abc import Callable
from contextlib import redirect_stdout
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

from bench import cold, contention, faults, local, office, package, refresh, report, scale, warm

RESULTS = Path(__file__).resolve().parent / "results.md"
HEAVY_NOTE = "icalendar, recurring_ical_events, phonenumbers, rapidfuzz, aws_xray_sdk, pykakasi"


def table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join("—" if cell is None else str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def render_cold(r: dict[str, Any]) -> str:
    loaded = ", ".join(r["heavy_loaded"]) or "none"
    deployed = (
        "The last row is what Lambda runs: the package `make build-SkillFunction` makes, on Python 3.13 with "
        "boto3 and botocore beside it as the runtime provides them, bytecode compiled at build time and none "
        "written at run time (Lambda's disk is read-only)."
        if r["deployed"]
        else "No Python 3.13 on this machine, so the deployed package was not measured."
    )
    parts = [
        f"Median of {r['n']} fresh processes each (imports + first LaunchRequest of a registered room device "
        "through `lambda_handler`, against the bench's moto server; the floor imports SkillBuilder and boto3, "
        "creates a DynamoDB client and makes one GetItem). Target ratio ≤ 1.2. The first two rows run the "
        f"checkout on this interpreter. {deployed}",
        "",
        table(
            ["mode", "skill ms", "floor ms", "ratio", "skill process ms", "floor process ms", "process ratio"],
            [
                [
                    mode,
                    m["skill_ms"],
                    m["floor_ms"],
                    m["ratio"],
                    m["skill_process_ms"],
                    m["floor_process_ms"],
                    m["process_ratio"],
                ]
                for mode, m in r["modes"].items()
            ],
        ),
        "",
        f"Modules loaded after the first LaunchRequest: {r['modules_loaded']}. Of {HEAVY_NOTE}: **{loaded}** loaded.",
        "",
        "`python -X importtime` (own time per top-level package, from source):",
        "",
        table(["package", "ms"], [list(p) for p in r["offenders"]["packages"]]),
        "",
        "Largest cumulative imports:",
        "",
        table(["module", "cumulative ms"], [list(p) for p in r["offenders"]["modules"]]),
    ]
    return "\n".join(parts)


def render_warm(r: dict[str, Any]) -> str:
    rows = r["rows"]
    latency = table(
        ["intent", "n", "p50 ms", "p99 ms", "bare DynamoDB p50 ms", "bare p99 ms", "ratio p50", "answer"],
        [
            [
                x["intent"],
                x["n"],
                x["p50_ms"],
                x["p99_ms"],
                x["bare_p50_ms"],
                x["bare_p99_ms"],
                x["ratio_p50"],
                x["answer"],
            ]
            for x in rows
        ],
    )
    trips = table(
        ["intent", "first request", "warm", "warm operations"],
        [[x["intent"], x["round_trips_first"], x["round_trips_warm"], x["operations"] or "none"] for x in rows],
    )
    skipped = "".join(f"\n- skipped: {s}" for s in r["skipped"])
    return (
        "Warm container (production cache TTL 30 s), through `handle_skill_event`; the bare column replays "
        "the same DynamoDB calls with a plain client (— when the request made none).\n\n"
        + latency
        + "\n\n### Round trips per intent\n\nCounted at the DynamoDB client (`before-send`). "
        "Targets warm: launch ≤ 1, status ≤ 1, booking, find and extend ≤ 2.\n\n" + trips + skipped
    )


def render_faults(r: dict[str, Any]) -> str:
    faulted = ", ".join(r["faults"])
    heard = list(faults.HEARD)
    rows = [
        [x["scenario"], x["turns"], x["requests_per_turn"], x["faults_per_turn"], x["p50_s"], x["p99_s"], x["max_s"]]
        + [x[name] for name in heard]
        for x in r["rows"]
    ]
    within = "within it" if r["p99_within_budget"] else "**over it**"
    alexa = "within it" if r["max_within_alexa"] else "**over it**"
    return (
        f"{r['containers']} warm containers of the skill function side by side, {r['n']} turns of each request in "
        "each, every turn through `lambda_handler` with cold caches and production's `voice` DynamoDB client, "
        f"with a Lambda context of the function's {r['timeout_s']:.0f} s timeout: the deadline guard's budget is "
        f"{r['budget_s']} s. In every turn the first attempt of every DynamoDB request meets a fault drawn evenly "
        f"from {faulted} (a stall never answers; a slow answer comes {r['slow_s']} s late, just inside the "
        f"client's read timeout), and its retry meets one too with probability {r['twice']}. Seconds from the "
        'envelope handed to the handler to its answer; what the listener heard: the answer, "try again" once '
        'the retry failed too, the deadline guard\'s "try again" at the budget, or the apology for an error.\n\n'
        + table(
            ["request", "turns", "requests", "faults", "p50 s", "p99 s", "max s", *heard],
            rows,
        )
        + f"\n\np99 of every turn: **{r['p99_s']} s** against the {r['budget_s']} s budget ({within}); the longest "
        f"turn {r['max_s']} s against Alexa's 8 s limit ({alexa}). Requests and faults are per turn, retries included."
    )


def render_contention(r: dict[str, Any]) -> str:
    return table(
        ["bookings", "threads", "per second", "p50 ms", "p99 ms", "winners", "outcomes", "stored", "exactly one"],
        [
            [
                r["n"],
                r["workers"],
                r["throughput_per_s"],
                r["p50_ms"],
                r["p99_ms"],
                r["winners"],
                json.dumps(r["outcomes"]),
                r["stored_bookings"],
                r["exactly_one_winner"],
            ]
        ],
    )


def render_refresh(r: dict[str, Any]) -> str:
    head = table(
        [
            "feed",
            "VEVENTs",
            "busy intervals (14 days)",
            "bare from_ical s",
            "peak MiB",
            "parse_feed s",
            "peak MiB",
            "ratio",
        ],
        [
            [
                f"{r['feed_bytes']} bytes",
                r["vevents"],
                r["busy_intervals"],
                r["bare_s"],
                r["bare_peak_mib"],
                r["parse_s"],
                r["parse_peak_mib"],
                r["parse_ratio"],
            ]
        ],
    )
    cases = table(
        [
            "refresh_owner",
            "status",
            "s",
            "of which DynamoDB s",
            "bodies",
            "parses",
            "round trips",
            "writes",
            "busy writes",
        ],
        [
            [
                x["case"],
                x["status"],
                x["seconds"],
                x["dynamodb_seconds"],
                x["bodies_fetched"],
                x["parses"],
                x["round_trips"],
                x["writes"],
                x["busy_writes"],
            ]
            for x in r["refresh"]
        ],
    )
    return (
        head + "\n\n" + cases + f"\n\nFull refresh peak memory {r['refresh_peak_mib']} MiB; refresh outside DynamoDB "
        f"{r['refresh_without_dynamodb_s']} s = {r['refresh_ratio']}× bare parsing. The DynamoDB time is "
        "moto's (it copies the table for every transaction), not DynamoDB's. The one write of an unchanged "
        "feed is its feed-state item (last success time).\n\n"
        f"The {r['poison_bytes']}-byte feed whose one event repeats every second since the day before the window "
        f"is refused ({r['poison_reason']}) in {r['poison_s']} s with a peak of {r['poison_peak_mib']} MiB "
        "(median of the runs; counted while the rule is expanded, 50,000 occurrences at most)."
    )


def render_package(r: dict[str, Any]) -> str:
    compiled = (
        f"{r['bytecode_mib']} MiB of it is bytecode compiled ahead by Python 3.13"
        if r["bytecode_compiled"]
        else "no bytecode (no Python 3.13 on this machine)"
    )
    return (
        f"`make build-SkillFunction` for arm64, as `sam build` deploys it: zipped {r['zipped_mib']} MiB "
        f"({r['unzipped_mib']} MiB unzipped; {compiled}). boto3 and botocore come with the Lambda runtime "
        "and are not packaged.\n\n"
        + table(
            ["distribution", "files", "unzipped MiB", "zipped MiB"],
            [[x["distribution"], x["files"], x["unzipped_mib"], x["zipped_mib"]] for x in r["distributions"]],
        )
    )


def render_burst(r: dict[str, Any]) -> str:
    return (
        f"{r['n']} BookRoomIntent envelopes for one demo room from {r['clients']} clients at once, each client on one "
        "kept-alive connection, against `office-skill serve --demo` (its embedded server in the same process); "
        "latency per request as the client sees it. One booking wins; the others hear that the room is taken.\n\n"
        + table(
            ["requests", "clients", "answered with an envelope", "statuses", "p50 ms", "p99 ms", "whole burst s"],
            [
                [
                    r["n"],
                    r["clients"],
                    r["answered_with_envelope"],
                    json.dumps(r["statuses"]),
                    r["p50_ms"],
                    r["p99_ms"],
                    r["seconds"],
                ]
            ],
        )
    )


def render_datadir(r: dict[str, Any]) -> str:
    return (
        f"The embedded server on a data directory holding {r['items']:,} items (fleet-entry sized; snapshot "
        f"{r['snapshot_mib']} MiB). Start-up is from spawning the process to serving (Python imports included). "
        f"After `kill -9` the start replays the snapshot and a journal of {r['journal_records']:,} PutItems, the "
        "longest a start can meet (one more and a snapshot is taken). Target: start-up under 10 s.\n\n"
        + table(
            ["start from", "s"],
            [
                ["the snapshot (after a polite stop)", r["start_from_snapshot_s"]],
                [f"the snapshot and {r['journal_records']:,} journal records (after kill -9)", r["start_after_kill_s"]],
            ],
        )
        + f"\n\nItems found after the kill: {r['items_after_kill']:,}. Polite stop (its snapshot): "
        f"{r['polite_stop_s']} s.\n\n"
        + table(
            ["PutItem", "p50 ms", "p99 ms"],
            [
                ["journaled and fsynced (--data-dir)", r["put_p50_ms_journaled"], r["put_p99_ms_journaled"]],
                ["in memory", r["put_p50_ms_in_memory"], r["put_p99_ms_in_memory"]],
            ],
        )
    )


def render_backup(r: dict[str, Any]) -> str:
    return (
        "A generated fleet (the bench fleet plus rooms with two devices each and people) applied through the "
        "fleet service (BatchWriteItem) with production client settings, then "
        f"{r['bookings']} concurrent bookings of one room in that table (16 threads), on moto's server in its "
        "own process: with moto's own transaction backup (a copy of every table a transaction names, its "
        "stream records included) and with the backup of the touched items only (`skill/local/transactions.py`). "
        "moto's own is not run on the largest fleet.\n\n"
        + table(
            ["backup", "entities", "apply", "booking p50 ms", "booking p99 ms", "bookings/s", "exactly one winner"],
            [
                [
                    x["backup"],
                    x["entities"],
                    x["apply"],
                    x.get("booking_p50_ms"),
                    x.get("booking_p99_ms"),
                    x.get("bookings_per_s"),
                    x.get("exactly_one_winner"),
                ]
                for x in r["rows"]
            ],
        )
    )


SCALE_TARGETS = (
    "apply ≤ 60 s, no-op apply ≤ 20 s; cold launch ≤ 2 round trips and < 500 ms, and on the largest fleet ≤ 1.2× "
    "the smallest; warm status ≤ 1 round trip < 100 ms, call look-up ≤ 2 < 100 ms, booking ≤ 2 < 150 ms; peak "
    "memory < 128 MiB"
)


def render_scale(r: dict[str, Any]) -> str:
    def trips(row: dict[str, Any], kind: str) -> str:
        return f"{row[f'{kind}_p50_ms']} / {row[f'{kind}_p99_ms']} ({row[f'{kind}_round_trips']})"

    rows = [
        [
            row["mode"],
            f"{row['people']:,}",
            f"{row['sites']} / {row['rooms']} / {row['devices']} / {row['contacts']}",
            f"{row['entities']:,} + {row['index_items']:,}",
            row["apply_s"],
            f"{row['noop_s']} ({row['noop_writes']})",
            row["cold_ms"],
            row["cold_round_trips"],
            trips(row, "status"),
            trips(row, "book"),
            trips(row, "call"),
            row["peak_mib"],
        ]
        for row in r["rows"]
    ]
    ratios = ", ".join(f"{mode} {value}" for mode, value in r["cold_ratio"].items())
    return (
        f"Generated fleets (`bench/fleetgen.py`: per 1,000 people a site, 75 rooms with one lobby per site, a "
        "device per room and as many personal ones, 50 contacts; one name in ten Japanese with its reading). The "
        "8,000 row is the target fleet. *embedded*: the embedded server in its own process, in memory; *proxy*: "
        "through the counting proxy in front of it (`bench/proxy.py`), each request delayed "
        f"{scale.PROXY_DELAY * 1000:.0f} ms as a DynamoDB round trip in the region is, the cold launches' round "
        "trips counted there. Apply is "
        "`office-admin apply` of the file to an empty table, then again (nothing to change; writes in brackets). "
        f"Cold launch: median of {scale.COLD_RUNS} fresh processes (imports and a room device's LaunchRequest), "
        f"the fleets taking turns. Warm: p50 / p99 ms of {r['n']} requests after a first, and (round trips); a "
        "call look-up names another person each time, so the directory is read each time. Peak memory: one process "
        "that launches, then answers a status, ten call look-ups and three bookings (VmHWM).\n\n"
        f"Targets (the issue's, on the 8,000 row): {SCALE_TARGETS}.\n\n"
        + table(
            [
                "mode",
                "people",
                "sites / rooms / devices / contacts",
                "entities + index items",
                "apply s",
                "no-op apply s",
                "cold launch ms",
                "cold round trips",
                "status",
                "book",
                "call look-up",
                "peak MiB",
            ],
            rows,
        )
        + f"\n\nCold launch on {r['largest']:,} people ÷ on {r['smallest']:,}: {ratios} (target ≤ 1.2)."
    )


def render_report(r: dict[str, Any]) -> str:
    requests = ", ".join(f"{op} {count}" for op, count in r["requests"].items())
    return (
        f"`office-admin report --json` over {r['days']} days of the target fleet's {r['sites']} sites and {r['rooms']} "
        f"rooms ({r['meeting_rooms']} meeting rooms in the report), in the CLI's process: {r['usage_items']:,} usage "
        f"items folded by the aggregation code from {r['facts']:,} stored facts ({r['bookings']:,} bookings counted). "
        f"Median of {r['n']} runs. *embedded*: the embedded server in its own process; *proxy*: through the counting "
        f"proxy, each request delayed {scale.PROXY_DELAY * 1000:.0f} ms. Target: under {r['target_s']:.0f} s "
        "on the embedded default.\n\n"
        + table(
            ["mode", "report s", "DynamoDB requests per report"],
            [["embedded", r["embedded_s"], "—"], ["proxy", r["proxy_s"], requests]],
        )
        + f"\n\nThe same report as a page with its charts (`--html`, matplotlib imported): {r['page_s']} s."
    )


def run_cold(n: int, endpoint: str) -> dict[str, Any]:
    return cold.run_modes(n, endpoint)


BENCHMARKS: dict[str, tuple[str, Callable[[int, str], dict[str, Any]], Callable[[dict[str, Any]], str], int]] = {
    "cold": ("Cold start", run_cold, render_cold, 15),
    "warm": ("Warm latency per intent", lambda n, e: warm.run(n, e), render_warm, 50),
    "faults": ("Worst-case voice latency with DynamoDB faults", lambda n, e: faults.run(n, e), render_faults, 8),
    "contention": (
        "Contention: 50 concurrent bookings of one room",
        lambda n, e: contention.run(n, e),
        render_contention,
        50,
    ),
    "refresh": ("Calendar refresh of a 2,000-event feed", lambda n, e: refresh.run(n, e), render_refresh, 3),
    "package": ("Package size of the skill function", lambda n, e: package.run(n), render_package, 1),
    "burst": ("Burst: bookings from 25 clients at office-skill serve", lambda n, e: local.burst(n), render_burst, 50),
    "datadir": ("Data directory: start-up and write cost", lambda n, e: local.datadir(n), render_datadir, 10_000),
    "backup": (
        "Transactions in the embedded server: what backing up only the touched items buys",
        lambda n, e: local.backup(bookings=n),
        render_backup,
        50,
    ),
    "scale": ("Scale: fleets of 100 to 10,000 people", lambda n, e: scale.run(n), render_scale, 20),
    "report": ("Report: 600 rooms over 90 days", lambda n, e: report.run(n), render_report, 3),
}


def section(name: str, title: str, body: str, command: str, took: float) -> str:
    return f"<!-- bench:{name} -->\n## {title}\n\n`{command}` — {took:.0f} s\n\n{body}\n<!-- /bench:{name} -->"


def write(sections: dict[str, str]) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    kept = {m.group(1): m.group(0) for m in re.finditer(r"<!-- bench:(\w+) -->.*?<!-- /bench:\1 -->", text, re.S)}
    kept.update(sections)
    machine = (
        f"{os.cpu_count()} cores, Python {platform.python_version()} ({platform.machine()}, {platform.system()}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    body = "\n\n".join(kept[name] for name in BENCHMARKS if name in kept)
    RESULTS.write_text(
        "# Benchmark results\n\n`make bench` runs everything (`python -m bench NAME …` one benchmark); "
        f"last run on {machine}.\n\n{body}\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    import time

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="benchmarks to run (default: all)")
    parser.add_argument("-n", type=int, help="repetitions instead of each benchmark's default")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    sections: dict[str, str] = {}
    with office.aws() as endpoint:
        for name in names:
            title, run, render, default_n = BENCHMARKS[name]
            n = args.n or default_n
            print(f"bench {name} (n={n}) …", file=sys.stderr, flush=True)
            started = time.perf_counter()
            with redirect_stdout(StringIO()):  # the local dialer prints every call it places
                figures = run(n, endpoint)
            took = time.perf_counter() - started
            command = f"python -m bench {name}" + (f" -n {args.n}" if args.n else "")
            sections[name] = section(name, title, render(figures), command, took)
            print(render(figures), file=sys.stderr)
    write(sections)
    print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
