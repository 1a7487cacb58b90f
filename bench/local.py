"""The local runtime under load.

- `burst`: `n` booking requests from `clients` concurrent clients at a real `office-skill serve` (the demo
  office), each client on one kept-alive connection: every answer's status and latency.
- `datadir`: the start-up of a data directory holding `items` items, from its snapshot alone and from the
  snapshot plus the longest journal a start can meet (just under a snapshot's worth), after `kill -9`;
  and what a journaled, fsynced write costs beside one kept in memory.
- `backup`: a generated fleet applied, then 50 concurrent bookings in its table, with moto's own
  transactions (a copy of every table a transaction names) and with `skill.local.transactions`.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import contention, office
from bench.stats import median, ms, percentile

ROOT = Path(__file__).resolve().parents[1]
DEMO_DEVICE = "amzn1.ask.device.DEMO-ASO"
BATCH = 25


def _serve() -> tuple[subprocess.Popen[str], int]:
    """`office-skill serve --demo` on free ports, once it answers; the process and its port."""
    from skill.local.awsserver import free_port

    port, db_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB")}
    process = subprocess.Popen(
        [sys.executable, "-m", "skill.local.cli", "serve", "--demo", "--port", str(port), "--db-port", str(db_port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("office-skill serve did not start")


def burst(n: int = 50, clients: int = 25) -> dict[str, Any]:
    """`n` bookings of one demo room from `clients` clients at once; p50/p99 and what they were answered."""
    from skill.config import LOCAL_SKILL_ID
    from skill.local.envelopes import intent_request

    process, port = _serve()
    body = json.dumps(
        intent_request(
            "BookRoomIntent",
            {"duration": "PT30M"},
            application_id=LOCAL_SKILL_ID,
            device_id=DEMO_DEVICE,
            user_id="amzn1.ask.account.BENCH",
        )
    ).encode()
    start = threading.Barrier(clients)
    per_client = [n // clients + (1 if i < n % clients else 0) for i in range(clients)]

    def client(count: int) -> list[tuple[int, bool, float]]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        answers = []
        try:
            for _ in range(count):
                began = time.perf_counter()
                try:
                    conn.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
                    answer = conn.getresponse()
                    payload = answer.read()
                    enveloped = answer.status == 200 and "response" in json.loads(payload)
                    answers.append((answer.status, enveloped, time.perf_counter() - began))
                except (OSError, http.client.HTTPException):
                    answers.append((0, False, time.perf_counter() - began))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        finally:
            conn.close()
        return answers

    try:
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=clients) as pool:
            results = [a for answers in pool.map(client, per_client) for a in answers]
        elapsed = time.perf_counter() - began
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    latencies = [seconds for _, _, seconds in results]
    statuses: dict[str, int] = {}
    for status, _, _ in results:
        statuses[str(status or "reset")] = statuses.get(str(status or "reset"), 0) + 1
    return {
        "n": n,
        "clients": clients,
        "answered_with_envelope": sum(1 for _, enveloped, _ in results if enveloped),
        "statuses": statuses,
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
        "seconds": round(elapsed, 2),
    }


# --- the data directory -----------------------------------------------------------------------------


class _Durable:
    """`python -m bench.server` on a data directory; `started_s` is the time from spawn to ready."""

    def __init__(self, directory: Path) -> None:
        from skill.local.awsserver import free_port

        office.set_dummy_credentials()
        port = free_port()
        began = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.server", str(port), "--data-dir", str(directory)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the embedded server did not start on its data directory")
        self.started_s = time.perf_counter() - began
        self.endpoint = f"http://127.0.0.1:{port}"

    def stop(self) -> float:
        assert self.process.stdin is not None
        began = time.perf_counter()
        self.process.stdin.close()
        self.process.wait(timeout=300)
        return time.perf_counter() - began

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=60)


def _item(i: int) -> dict[str, Any]:
    """An item the size of a fleet entry (a user with its document)."""
    doc = json.dumps({"id": f"user-{i:05d}", "name": f"Person {i}", "email": f"person{i}@example.com", "x": "y" * 200})
    return {
        "PK": {"S": f"USER#user-{i:05d}"},
        "SK": {"S": "META"},
        "GSI1PK": {"S": "FLEET"},
        "GSI1SK": {"S": f"user#{i:05d}"},
        "doc": {"S": doc},
    }


def _put_latencies(endpoint: str, table: str, count: int, offset: int) -> list[float]:
    client = office.new_client(endpoint)
    latencies = []
    for i in range(offset, offset + count):
        began = time.perf_counter()
        client.put_item(TableName=table, Item=_item(i))
        latencies.append(time.perf_counter() - began)
    return latencies


def datadir(items: int = 10_000, tail: int | None = None) -> dict[str, Any]:
    """Start-up with `items` items from a snapshot, and from a snapshot plus a journal of `tail` writes
    (by default the longest a start can meet)."""
    from skill.adapters.dynamodb.schema import ensure_table
    from skill.local.datadir import SNAPSHOT_RECORDS

    table = "office-assistant"
    with tempfile.TemporaryDirectory(prefix="bench-data-") as scratch:
        directory = Path(scratch)
        first = _Durable(directory)
        client = office.new_client(first.endpoint)
        ensure_table(client, table)
        for start in range(0, items, BATCH):
            batch = [{"PutRequest": {"Item": _item(i)}} for i in range(start, min(items, start + BATCH))]
            client.batch_write_item(RequestItems={table: batch})
        stop_s = first.stop()
        snapshot_mib = sum(p.stat().st_size for p in directory.glob("snapshot-*")) / 2**20

        from_snapshot = _Durable(directory)
        tail = SNAPSHOT_RECORDS - 1 if tail is None else tail
        journaled = _put_latencies(from_snapshot.endpoint, table, tail, items)
        from_snapshot.kill()

        after_kill = _Durable(directory)
        count = office.new_client(after_kill.endpoint).describe_table(TableName=table)["Table"]["ItemCount"]
        after_kill.stop()
    with office.aws() as memory_endpoint:
        ensure_table(office.new_client(memory_endpoint), table)
        in_memory = _put_latencies(memory_endpoint, table, 200, 0)
    return {
        "items": items,
        "snapshot_mib": round(snapshot_mib, 1),
        "polite_stop_s": round(stop_s, 2),
        "start_from_snapshot_s": round(from_snapshot.started_s, 2),
        "journal_records": tail,
        "start_after_kill_s": round(after_kill.started_s, 2),
        "items_after_kill": count,
        "put_p50_ms_journaled": ms(median(journaled)),
        "put_p99_ms_journaled": ms(percentile(journaled, 99)),
        "put_p50_ms_in_memory": ms(median(in_memory)),
        "put_p99_ms_in_memory": ms(percentile(in_memory, 99)),
    }


# --- what the touched-items backup buys -------------------------------------------------------------


def generated_fleet(rooms: int, people: int) -> dict[str, Any]:
    """The bench fleet grown to `rooms` rooms (two devices each) and `people` people."""
    fleet = json.loads(json.dumps(office.FLEET))
    fleet["rooms"] += [
        {"id": f"room-{i:04d}", "name": f"Room {i}", "floor": i % 30, "capacity": 6} for i in range(rooms)
    ]
    fleet["devices"] += [
        {
            "id": f"amzn1.ask.device.ROOM{i:04d}{side}",
            "kind": "shared",
            "room": f"room-{i:04d}",
            "skill_group": "meeting-rooms",
        }
        for i in range(rooms)
        for side in "AB"
    ]
    fleet["users"] += [
        {"id": f"person-{i:05d}", "name": f"Person {i}", "alexa_user_ids": [f"amzn1.ask.account.P{i:05d}"]}
        for i in range(people)
    ]
    return fleet


SIZES = ((20, 100), (100, 800), (300, 3000))  # (rooms, people): with two devices a room


def backup(sizes: tuple[tuple[int, int], ...] = SIZES, bookings: int = 50) -> dict[str, Any]:
    """For each size, a generated fleet applied then `bookings` concurrent bookings in its table, with
    moto's own backup (but for the largest fleet, where it cannot finish) and with the touched items only."""
    rows = []
    for size, (rooms, people) in enumerate(sizes):
        fleet = generated_fleet(rooms, people)
        entities = sum(len(fleet[kind]) for kind in ("rooms", "devices", "users", "contacts", "skill_groups")) + 1
        backups = [("touched items only", ())]
        if size < len(sizes) - 1:
            backups.insert(0, ("moto's own (copies the table)", ("--moto-backup",)))
        for label, options in backups:
            rows.append({"backup": label, "entities": entities, **_apply_and_book(fleet, options, bookings)})
    return {"rows": rows, "bookings": bookings}


def _apply_and_book(fleet: dict[str, Any], options: tuple[str, ...], bookings: int) -> dict[str, Any]:
    with office.aws(*options) as endpoint:
        began = time.perf_counter()
        try:
            table = office.create_office(endpoint, fleet)
        except Exception as error:  # the finding: moto's own backup times out on a large table
            return {"apply": f"failed after {time.perf_counter() - began:.0f} s ({type(error).__name__})"}
        applied_s = time.perf_counter() - began
        booked = contention.run(bookings, endpoint, table=table)
    return {
        "apply": f"{applied_s:.1f} s",
        "booking_p50_ms": booked["p50_ms"],
        "booking_p99_ms": booked["p99_ms"],
        "bookings_per_s": booked["throughput_per_s"],
        "exactly_one_winner": booked["exactly_one_winner"],
    }
