"""Smoke test of the benchmark suite: every benchmark runs once and returns figures of the right shape.

No timing is asserted here; `make bench` measures."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# bench/ is a top-level package beside skill/ that is not installed: `make bench` runs it from the checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench import __main__ as suite
from bench import cold, contention, faults, local, office, package, refresh, report, scale, warm
from bench.feed import build_feed


@pytest.fixture(scope="module", autouse=True)
def environment() -> Iterator[None]:
    """The benchmarks point boto3 at their server through the environment, as in a process of their own
    (`python -m bench`): it is put back afterwards, so later tests' processes do not inherit it."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with office.aws() as local:
        yield local


def _numbers(row: dict[str, Any], *names: str) -> bool:
    return all(isinstance(row[name], int | float) and row[name] >= 0 for name in names)


def test_cold_start_reports_both_bytecode_modes_and_the_import_offenders(endpoint: str) -> None:
    # When the cold start runs once per kind of process
    figures = cold.run_modes(1, endpoint, deployed=False)

    # Then each mode has the skill, the floor and their ratio, and the import report names packages
    assert set(figures["modes"]) == {"from source", "compiled ahead"}
    assert all(_numbers(m, "skill_ms", "floor_ms", "ratio") for m in figures["modes"].values())
    assert figures["offenders"]["packages"] and isinstance(figures["heavy_loaded"], list)
    assert "| from source |" in suite.render_cold(figures)


def test_warm_latency_has_a_row_per_available_intent_with_round_trips(endpoint: str) -> None:
    # When every intent is asked once after a first request
    figures = warm.run(1, endpoint)

    # Then launch is among the rows, each with latency and round-trip counts; missing intents are named
    labels = [row["intent"] for row in figures["rows"]]
    assert "launch" in labels
    assert len(labels) + len(figures["skipped"]) == len(warm.scenarios())
    assert all(_numbers(row, "p50_ms", "p99_ms", "round_trips_first", "round_trips_warm") for row in figures["rows"])
    assert "| launch |" in suite.render_warm(figures)


def test_voice_turns_under_dynamodb_faults_report_their_latency_and_what_the_listener_heard(endpoint: str) -> None:
    # When a launch and a booking run once in each of two containers, every DynamoDB request faulted
    figures = faults.run(1, endpoint, containers=2, scenarios=("launch", "book"))

    # Then each request has a row and so do all turns together, every turn met a fault, each turn was heard as
    # exactly one of the outcomes, and the guard's budget is the one the template's 10 s timeout gives
    rows = {row["scenario"]: row for row in figures["rows"]}
    assert list(rows) == ["launch", "book", "every turn"]
    assert [row["turns"] for row in rows.values()] == [2, 2, 4]
    assert all(
        row["faults_per_turn"] >= 1 and row["requests_per_turn"] >= row["faults_per_turn"] for row in rows.values()
    )
    assert all(sum(row[heard] for heard in faults.HEARD) == row["turns"] for row in rows.values())
    assert (figures["timeout_s"], figures["budget_s"]) == (10.0, 6.5)
    assert _numbers(figures, "p99_s", "max_s") and "| every turn | 4 |" in suite.render_faults(figures)


def test_one_contended_booking_has_one_winner(endpoint: str) -> None:
    # When a single booking goes through the pool
    figures = contention.run(1, endpoint, workers=1)

    # Then it wins and is stored
    assert figures["winners"] == 1 and figures["exactly_one_winner"] is True
    assert _numbers(figures, "throughput_per_s", "p99_ms")


def test_refresh_of_a_small_feed_reports_parse_and_unchanged_costs(endpoint: str) -> None:
    # Given a small feed of the benchmark's shape
    body = build_feed(series=3, singles=9)

    # When it is refreshed once
    figures = refresh.run(1, endpoint, body=body)

    # Then the 304 and the rewritten-DTSTAMP feed cost no parse or no busy-time write
    assert figures["vevents"] == 3 * 2 + 9
    cases = {row["case"]: row for row in figures["refresh"]}
    assert cases["unchanged: 304"]["parses"] == 0 and cases["unchanged: 304"]["busy_writes"] == 0
    assert cases["unchanged: same events, new DTSTAMPs"]["busy_writes"] == 0
    assert _numbers(figures, "bare_s", "parse_s", "parse_peak_mib", "refresh_peak_mib", "poison_s", "poison_peak_mib")
    # And the poisonous feed is refused by its budget: its occurrence count, or its time on a machine busy enough
    # that the count is not reached within the time
    assert figures["poison_bytes"] == 529
    assert figures["poison_reason"] in ("too many occurrences", "time cap exceeded")


def test_package_size_counts_each_file_under_its_distribution_and_bytecode_under_its_source(tmp_path: Path) -> None:
    # Given a package laid out as the build lays it out: the skill, one wheel with its RECORD, and bytecode
    (tmp_path / "skill").mkdir()
    (tmp_path / "skill" / "app.py").write_text("x = 1\n" * 200)
    (tmp_path / "fuzzy" / "__pycache__").mkdir(parents=True)
    (tmp_path / "fuzzy" / "__init__.py").write_text("y = 2\n" * 500)
    (tmp_path / "fuzzy" / "__pycache__" / "__init__.cpython-313.pyc").write_bytes(bytes(range(256)) * 8)
    dist_info = tmp_path / "fuzzy-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: Fuzzy\nVersion: 1.0\n")
    (dist_info / "RECORD").write_text("fuzzy/__init__.py,,\nfuzzy-1.0.dist-info/METADATA,,\n")

    # When it is sized
    figures = package.size(tmp_path)

    # Then the wheel's source, bytecode and metadata count under its name, the skill under its own
    rows = {row["distribution"]: row for row in figures["distributions"]}
    assert set(rows) == {"Fuzzy", "skill (this project)"}
    assert rows["Fuzzy"]["files"] == 4 and rows["skill (this project)"]["files"] == 1
    assert figures["bytecode_bytes"] == 2048
    assert figures["unzipped_bytes"] == 1200 + 3000 + 2048 + sum(p.stat().st_size for p in dist_info.iterdir())
    assert 0 < figures["zipped_bytes"] < figures["unzipped_bytes"]


def test_a_burst_at_serve_reports_every_answer() -> None:
    # When four bookings come from two clients at once
    figures = local.burst(4, 2)

    # Then all four are answered with an envelope, and the latencies are reported
    assert figures["answered_with_envelope"] == 4 and figures["statuses"] == {"200": 4}
    assert _numbers(figures, "p50_ms", "p99_ms") and "| 4 | 2 | 4 |" in suite.render_burst(figures)


def test_a_data_directory_start_up_finds_every_item_after_a_kill() -> None:
    # When a small data directory is started from its snapshot, written to, killed and started again
    figures = local.datadir(items=60, tail=5)

    # Then every item is there, and both start-ups and both write costs are reported
    assert figures["items_after_kill"] == 65
    assert _numbers(
        figures, "start_from_snapshot_s", "start_after_kill_s", "put_p50_ms_journaled", "put_p50_ms_in_memory"
    )
    assert "after kill -9" in suite.render_datadir(figures)


def test_the_backup_comparison_runs_moto_s_own_but_on_the_largest_fleet() -> None:
    # When two small generated fleets are applied and booked with each backup
    figures = local.backup(sizes=((1, 2), (2, 3)), bookings=2)

    # Then the smaller runs with both, the larger with the touched items only, each with one winner
    assert [row["backup"] for row in figures["rows"]] == [
        "moto's own (copies the table)",
        "touched items only",
        "touched items only",
    ]
    assert all(row["exactly_one_winner"] for row in figures["rows"])
    assert "touched items only" in suite.render_backup(figures)


def test_the_scale_benchmark_measures_every_fleet_in_both_modes() -> None:
    # When two small generated fleets are measured once each, on the embedded server and through the proxy
    figures = scale.run(n=1, sizes=(20, 40), cold_runs=1)

    # Then each has its apply times (the second writing nothing), cold launches (two round trips through the
    # proxy), warm requests with their round trips, and peak memory; and the cold launch ratio is reported
    assert [(row["mode"], row["people"]) for row in figures["rows"]] == [
        ("embedded", 20),
        ("embedded", 40),
        ("proxy", 20),
        ("proxy", 40),
    ]
    assert all(_numbers(row, "apply_s", "noop_s", "cold_ms", "peak_mib") for row in figures["rows"])
    assert all(row["noop_writes"] == 0 for row in figures["rows"])
    assert [row["cold_round_trips"] for row in figures["rows"]] == [None, None, 2, 2]
    assert all((row["status_round_trips"], row["call_round_trips"]) == (1, 2) for row in figures["rows"])
    assert set(figures["cold_ratio"]) == {"embedded", "proxy"}
    assert "| proxy | 40 |" in suite.render_scale(figures)


def test_the_report_benchmark_times_the_report_and_counts_its_requests() -> None:
    # When the report of a one-site fleet's rooms over two days is measured once
    figures = report.run(n=1, people=1_000, days=2)

    # Then it was read from the site's two days (one BatchGetItem) with the fleet and the problems (two queries),
    # every meeting room in it, and its time is in the section
    assert figures["requests"] == {"BatchGetItem": 1, "Query": 2}
    assert (figures["sites"], figures["meeting_rooms"], figures["days"]) == (1, 74, 2)
    assert figures["bookings"] == 74 * 2 * 3  # four a day, one of them cancelled
    assert _numbers(figures, "embedded_s", "proxy_s", "page_s")
    assert "| proxy |" in suite.render_report(figures)
