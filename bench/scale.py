"""Scale: generated fleets (`bench.fleetgen`) of 100, 1,000, 8,000 (the target fleet: 8 sites, 600 rooms, 1,200
devices) and 10,000 people, on the embedded default (the embedded server in its own process, in memory) and
through the counting proxy in front of it (`bench.proxy`: every request counted on the wire, each delayed by
PROXY_DELAY as a request to DynamoDB in the region is).

For each fleet: `office-admin apply` of its file to an empty table, then again (nothing to change); cold
launches (a fresh process importing the skill and answering a LaunchRequest of a room device, as bench.cold
times it), their round trips counted by the proxy; warm status, booking and call look-up (a different person
each time, so the directory is read each time) through `handle_skill_event` with production settings, their
latencies and round trips; and the peak memory of a process that launches and then answers a status, ten call
look-ups and three bookings.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bench import cold, fleetgen, office
from bench.proxy import CountingProxy
from bench.stats import median, ms, percentile, ratio

SIZES = (100, 1_000, 8_000, 10_000)
TARGET = 8_000
PROXY_DELAY = 0.005  # seconds a request waits at the proxy: a DynamoDB round trip in the same region
COLD_RUNS = 7
MODES = ("embedded", "proxy")


def run(n: int = 20, sizes: tuple[int, ...] = SIZES, cold_runs: int = COLD_RUNS) -> dict[str, Any]:
    """Every figure of every fleet in both modes; `n` warm requests per kind."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
        files = {people: _write(Path(scratch), people) for people in sizes}
        for mode in MODES:
            with office.aws() as server, _proxied(server, mode) as proxy:
                endpoint = proxy.url if proxy else server
                measured = {people: _apply(endpoint, people, files[people]) for people in sizes}
                for people, cold_figures in _cold(endpoint, proxy, sizes, cold_runs).items():
                    measured[people].update(cold_figures)
                for people in sizes:
                    measured[people].update(_warm(endpoint, people, n))
                    measured[people]["peak_mib"] = _peak_memory(endpoint, people)
                rows += [{"mode": mode, "people": people, **measured[people]} for people in sizes]
    largest, smallest = max(sizes), min(sizes)
    ratios = {
        mode: ratio(_row(rows, mode, largest)["cold_ms"], _row(rows, mode, smallest)["cold_ms"]) for mode in MODES
    }
    return {"rows": rows, "cold_ratio": ratios, "largest": largest, "smallest": smallest, "n": n}


def _row(rows: list[dict[str, Any]], mode: str, people: int) -> dict[str, Any]:
    return next(row for row in rows if row["mode"] == mode and row["people"] == people)


def _write(directory: Path, people: int) -> Path:
    path = directory / f"fleet-{people}.yaml"
    dumper = yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper
    path.write_text(yaml.dump(fleetgen.fleet_doc(people), Dumper=dumper, allow_unicode=True), encoding="utf-8")
    return path


@contextlib.contextmanager
def _proxied(server: str, mode: str) -> Iterator[CountingProxy | None]:
    if mode != "proxy":
        yield None
        return
    with CountingProxy(server, delay=PROXY_DELAY) as proxy:
        yield proxy


def _table(people: int) -> str:
    return f"scale-{people}"


# ---------------------------------------------------------------- apply


def _apply(endpoint: str, people: int, fleet_file: Path) -> dict[str, Any]:
    """`office-admin apply` to an empty table, then again; how long each took and what the fleet holds."""
    from skill.adapters.dynamodb.schema import ensure_table
    from skill.cli.main import main

    ensure_table(office.new_client(endpoint), _table(people))
    argv = ["--endpoint-url", endpoint, "--table", _table(people), "--json", "apply", str(fleet_file)]
    timings, reports = [], []
    for _ in range(2):
        out = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(out):
            code = main(argv)
        timings.append(time.perf_counter() - started)
        if code != 0:
            raise RuntimeError(f"apply of {people} people failed ({code})")
        reports.append(json.loads(out.getvalue()))
    count = fleetgen.sizes(people)
    first, second = reports
    return {
        **count,
        "entities": first["create"],
        "index_items": first["index"]["write"],
        "apply_s": round(timings[0], 1),
        "noop_s": round(timings[1], 1),
        "noop_writes": second["create"] + second["update"] + second["index"]["write"],
    }


# ---------------------------------------------------------------- cold launches


@cache
def _doc(people: int) -> dict[str, Any]:
    return fleetgen.fleet_doc(people)


def _launch(people: int) -> dict[str, Any]:
    from skill.local.envelopes import launch_request

    _, device = fleetgen.room_device(_doc(people))
    return launch_request(application_id=office.SKILL_ID, device_id=device, user_id="amzn1.ask.account.SCALE")


def _env(endpoint: str, people: int) -> dict[str, str]:
    env = cold._env(endpoint, _table(people))
    env.pop("AWS_ENDPOINT_URL", None)
    return env


def _cold(endpoint: str, proxy: CountingProxy | None, sizes: tuple[int, ...], runs: int) -> dict[int, dict[str, Any]]:
    """Cold launches of each fleet's room device, the fleets taking turns so that a busy moment of the
    machine falls on all of them; with the proxy, the round trips each made."""
    seconds: dict[int, list[float]] = {people: [] for people in sizes}
    trips: dict[int, list[int]] = {people: [] for people in sizes}
    for _ in range(runs):
        for people in sizes:
            if proxy:
                proxy.reset()
            figures, _, _ = cold._child("skill", _env(endpoint, people), json.dumps(_launch(people)))
            seconds[people].append(figures["seconds"])
            if proxy:
                trips[people].append(proxy.total)
    return {
        people: {
            "cold_ms": ms(median(seconds[people])),
            "cold_round_trips": max(trips[people]) if trips[people] else None,
        }
        for people in sizes
    }


# ---------------------------------------------------------------- warm requests


def _envelopes(people: int, n: int, days_ahead: int = 1) -> dict[str, list[dict[str, Any]]]:
    """n + 1 envelopes of each kind (the first only warms the container): a status, a booking (each at its own
    time of the day `days_ahead`), a call look-up (each for another person, by name)."""
    from skill.local.envelopes import intent_request

    doc = _doc(people)
    _, device = fleetgen.room_device(doc)
    zone = ZoneInfo(doc["sites"][0]["timezone"])
    day = (datetime.now(UTC).astimezone(zone) + timedelta(days=days_ahead)).date().isoformat()
    common = {"application_id": office.SKILL_ID, "device_id": device, "user_id": "amzn1.ask.account.SCALE"}
    people_named = [user["name"] for user in doc["users"][:: max(1, len(doc["users"]) // (n + 1))]][: n + 1]
    return {
        "status": [intent_request("RoomStatusIntent", {}, **common) for _ in range(n + 1)],
        "book": [
            intent_request(
                "BookRoomIntent",
                {"date": day, "startTime": f"{8 + i // 4:02d}:{(i % 4) * 15:02d}", "duration": "PT15M"},
                confirmation="CONFIRMED",
                **common,
            )
            for i in range(n + 1)
        ],
        "call": [intent_request("CallContactIntent", {"contact": name}, **common) for name in people_named],
    }


def _warm(endpoint: str, people: int, n: int) -> dict[str, Any]:
    """p50 and p99 latency and the round trips of warm requests of each kind, in one warm container."""
    from skill import app
    from skill.alexa.builder import build_skill
    from skill.bootstrap import Services
    from skill.observability import logger

    container, counter = office.container(endpoint, _table(people))
    services = Services(container)
    app._services["voice"], app._skill = services, build_skill(services)
    figures: dict[str, Any] = {}
    level = logger.log_level
    logger.setLevel("WARNING")  # a line per answer would be most of what the benchmark prints
    try:
        for kind, envelopes in _envelopes(people, n).items():
            latencies, trips = [], []
            for i, envelope in enumerate(envelopes):
                counter.reset()
                started = time.perf_counter()
                with contextlib.redirect_stdout(io.StringIO()):
                    app.handle_skill_event(envelope)
                if i:
                    latencies.append(time.perf_counter() - started)
                    trips.append(counter.total)
            figures[f"{kind}_p50_ms"] = ms(median(latencies))
            figures[f"{kind}_p99_ms"] = ms(percentile(latencies, 99))
            figures[f"{kind}_round_trips"] = max(trips)
    finally:
        logger.setLevel(level)
        app._services.clear()
        app._skill = None
    return figures


def _peak_memory(endpoint: str, people: int) -> float:
    """The peak memory (MiB) of one process that launches, then answers a status, ten call look-ups and three
    bookings, as one Lambda container would."""
    envelopes = _envelopes(people, 10, days_ahead=2)
    events = [_launch(people), envelopes["status"][0], *envelopes["call"][:10], *envelopes["book"][:3]]
    figures, _, _ = cold._child("skill", _env(endpoint, people), json.dumps(events))
    return float(figures["peak_mib"])
