"""Report: `office-admin report --json` over 90 days of the target fleet (`bench.fleetgen`: 8 sites, 600 rooms of
which 8 lobbies), on the embedded default (the embedded server in its own process, in memory) and through the
counting proxy in front of it (`bench.proxy`), which counts its DynamoDB requests and delays each as a request to
DynamoDB in the region is.

The usage items are made by the aggregation code itself: every meeting room has, each day, the bookings and
calendar busy time the stores write (one checked in, one cancelled, one released or ended early, one booked) and
each site its visits, calls and a problem now and then; each item image goes through `usage_changes` and `fold`
as a stream record would, and the folded items are written with BatchWriteItem.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bench import fleetgen, office
from bench.proxy import CountingProxy
from bench.scale import PROXY_DELAY
from bench.stats import median

PEOPLE = 8_000  # the target fleet's size: its sites and rooms
FIRST = date(2026, 9, 1)
DAYS = 90
TABLE = "report-bench"
TARGET_S = 10.0


def _fleet(people: int) -> dict[str, Any]:
    """A generated fleet's sites and rooms, with only the people its sites name (reception) and room devices."""
    doc = fleetgen.fleet_doc(people)
    receptionists = {site["reception"] for site in doc["sites"]}
    doc["users"] = [user for user in doc["users"] if user["id"] in receptionists]
    doc["devices"] = [device for device in doc["devices"] if device["kind"] == "shared"]
    doc["contacts"] = doc["contacts"][:5]
    return doc


class _Sites:
    def __init__(self, doc: dict[str, Any]) -> None:
        from skill.domain.model import Site

        self.sites = {s["id"]: Site(id=s["id"], timezone=s["timezone"]) for s in doc["sites"]}
        self.rooms = {r["id"]: self.sites[r["site"]] for r in doc["rooms"]}

    def site_of_room(self, room_id: str) -> Any:
        return self.rooms.get(room_id)

    def site(self, site_id: str) -> Any:
        return self.sites.get(site_id)


def _utc(day: date, hour: float, zone: ZoneInfo) -> str:
    moment = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(hours=hour)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _facts(doc: dict[str, Any], days: int) -> list[dict[str, Any]]:
    """Item images as the stores write them, for every meeting room and site on every day of the range."""
    images: list[dict[str, Any]] = []
    rooms = [room for room in doc["rooms"] if room["bookable"]]
    zones = {site["id"]: ZoneInfo(site["timezone"]) for site in doc["sites"]}
    for offset in range(days):
        day = FIRST + timedelta(days=offset)
        for n, room in enumerate(rooms):
            zone, pk = zones[room["site"]], f"ROOMDAY#{room['id']}#{day.isoformat()}"
            last = "released" if (n + offset) % 3 == 0 else "ended"
            for k, (start, end, status) in enumerate(
                ((9, 10, "checked_in"), (11, 12, "cancelled"), (13, 14.5, last), (15 + n % 3, 16.5 + n % 3, "booked"))
            ):
                begin, finish = _utc(day, start, zone), _utc(day, end, zone)
                booking_id = f"{room['id']}-{offset}-{k}"
                images.append({"PK": pk, "SK": f"BOOKING#{begin}#{booking_id}", "id": booking_id, "room_id": room["id"],
                               "start": begin, "end": finish, "status": status,
                               "checked_in_at": begin if status in ("checked_in", "ended") else None})  # fmt: skip
            busy = _utc(day, 10.5, zone)
            images.append({"PK": pk, "SK": f"BUSY#{busy}#evt", "start": busy, "end": _utc(day, 11.5, zone)})
        for s, site in enumerate(doc["sites"]):
            zone = zones[site["id"]]
            for v in range(10):
                visit_id = f"v{s}-{offset}-{v}"
                at = _utc(day, 9 + v / 2, zone)
                images.append({"PK": f"VISITDAY#{day.isoformat()}", "SK": f"VISIT#{at}#{visit_id}", "id": visit_id,
                               "site": site["id"]})  # fmt: skip
            for c in range(5):
                call_id = f"c{s}-{offset}-{c}"
                images.append({"PK": f"CALL#{call_id}", "SK": "META", "id": call_id, "site": site["id"],
                               "status": "ended", "created_at": _utc(day, 10 + c, zone)})  # fmt: skip
            if offset % 7 == s % 7:
                problem_id = f"p{s}-{offset}"
                reported = _utc(day, 12, zone)
                images.append({"PK": f"PROBLEM#{problem_id}", "SK": "META", "kind": "problem", "id": problem_id,
                               "room": rooms[s]["id"], "site": site["id"], "problem": "the projector is broken",
                               "reported_at": reported, "status": "open" if offset > 80 else "resolved",
                               "GSI1PK": "PROBLEMS", "GSI1SK": f"{reported}#{problem_id}"})  # fmt: skip
    return images


def _store(endpoint: str, doc: dict[str, Any], days: int) -> dict[str, int]:
    """The fleet applied, the problems stored, and the usage items folded from every fact and written in bulk."""
    from skill.adapters.dynamodb.schema import ensure_table
    from skill.adapters.dynamodb.table import Table
    from skill.bootstrap import Services, build
    from skill.config import Settings
    from skill.domain import fleet as codec
    from skill.domain.usage import UsageItems, fold_change, usage_changes

    client = office.new_client(endpoint, read_timeout=120)
    ensure_table(client, TABLE)
    admin = Services(build(Settings(skill_id=office.SKILL_ID, table=TABLE), dynamodb_client=client)).fleet
    admin.apply(admin.plan(codec.parse_fleet(doc), prune=False))
    sites, items = _Sites(doc), UsageItems()  # folded in memory as the usage function folds them in the table
    facts = _facts(doc, days)
    for image in facts:
        for change in usage_changes("INSERT", None, image, sites):
            fold_change(items.apply, change, sites)
    table = Table(client, TABLE)
    table.batch_write(list(items.values()) + [image for image in facts if image["PK"].startswith("PROBLEM#")])
    return {"facts": len(facts), "usage_items": len(items)}


def _period(days: int) -> list[str]:
    return ["--from", FIRST.isoformat(), "--to", (FIRST + timedelta(days=days)).isoformat()]


def _report(endpoint: str, days: int) -> tuple[float, dict[str, Any]]:
    from skill.cli.main import main

    argv = ["--endpoint-url", endpoint, "--table", TABLE, "--json", "report", *_period(days)]
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    took = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"office-admin report failed ({code})")
    return took, json.loads(out.getvalue())


def _page(endpoint: str, directory: str, days: int) -> float:
    from skill.cli.main import main

    argv = [
        "--endpoint-url",
        endpoint,
        "--table",
        TABLE,
        "report",
        "--html",
        f"{directory}/report.html",
        *_period(days),
    ]
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        if main(argv) != 0:
            raise RuntimeError("office-admin report --html failed")
    return time.perf_counter() - started


def run(n: int = 3, people: int = PEOPLE, days: int = DAYS) -> dict[str, Any]:
    """The report's time (median of `n`) and requests for the sites and rooms of a fleet of `people`, over `days`."""
    import tempfile

    doc = _fleet(people)
    with office.aws() as server:
        stored = _store(server, doc, days)
        embedded = [_report(server, days) for _ in range(n)]
        with CountingProxy(server, delay=PROXY_DELAY) as proxy:
            proxy.reset()
            proxied = [_report(proxy.url, days) for _ in range(n)]
            requests = dict(proxy.counts)
        with tempfile.TemporaryDirectory(prefix="bench-report-") as directory:
            page_s = _page(server, directory, days)
    data = embedded[0][1]
    return {
        **stored,
        "sites": len(doc["sites"]),
        "rooms": len(doc["rooms"]),
        "meeting_rooms": len(data["rooms"]),
        "days": days,
        "n": n,
        "embedded_s": round(median([took for took, _ in embedded]), 2),
        "proxy_s": round(median([took for took, _ in proxied]), 2),
        "requests": {op: count // n for op, count in sorted(requests.items())},
        "page_s": round(page_s, 2),
        "bookings": sum(row["bookings"] for row in data["rooms"]),
        "target_s": TARGET_S,
    }
