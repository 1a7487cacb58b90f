"""Warm latency and DynamoDB round trips per intent, through `handle_skill_event` against moto's server.

Each request is timed in a warm container (caches filled by a first request), beside the bare DynamoDB
calls it made, replayed with a plain client (the same operations and parameters): the ratio is what the
skill adds on top of its own storage calls. Round trips are counted at the client (`before-send`).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bench import office
from bench.stats import median, ms, percentile, ratio

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from skill.bootstrap import Container

Envelope = Callable[[int], dict[str, Any]]
Hook = Callable[["Container", int], None]


@dataclass(frozen=True)
class Scenario:
    label: str
    intent: str  # the intent name, or "LaunchRequest"
    envelope: Envelope  # the request of iteration i
    before: Hook | None = None  # runs untimed before each request
    after: Hook | None = None  # runs untimed after each request


@dataclass
class Figures:
    label: str
    intent: str
    latency: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    trips: list[int] = field(default_factory=list)
    first_trips: int = 0
    operations: dict[str, int] = field(default_factory=dict)
    answer: str = ""

    def row(self) -> dict[str, Any]:
        p50, bare50 = median(self.latency), median(self.bare)
        return {
            "intent": self.label,
            "n": len(self.latency),
            "p50_ms": ms(p50),
            "p99_ms": ms(percentile(self.latency, 99)),
            "bare_p50_ms": ms(bare50),
            "bare_p99_ms": ms(percentile(self.bare, 99)),
            "ratio_p50": ratio(p50, bare50) if any(self.trips) else None,  # None: no DynamoDB call to compare
            "round_trips_first": self.first_trips,
            "round_trips_warm": int(median(self.trips)) if self.trips else 0,
            "operations": ", ".join(f"{op}×{n}" for op, n in sorted(self.operations.items())),
            "answer": self.answer,
        }


def _tokyo_day(days_ahead: int) -> str:
    return (datetime.now(ZoneInfo(office.TIMEZONE)) + timedelta(days=days_ahead)).date().isoformat()


def _request(
    intent: str, slots: dict[str, Any] | None = None, *, device: str = office.ROOM_DEVICE, **extra: Any
) -> Any:
    from skill.local.envelopes import intent_request, launch_request

    common = {"application_id": office.SKILL_ID, "device_id": device, "user_id": office.ALEXA_USER, **extra}
    if intent == "LaunchRequest":
        return launch_request(**common)
    return intent_request(intent, slots or {}, **common)


def _slot(value: str, resolved_id: str | None, slot_type: str) -> Any:
    from skill.local.nlu import SlotValue

    return SlotValue(value, raw=value, resolved_id=resolved_id, slot_type=slot_type)


def _meeting_now(container: Container, _: int) -> None:
    """A booking of the bench room that started a quarter hour ago, for extend and end."""
    from skill.domain.booking import ceil_slot
    from skill.domain.model import Booking, BookingStatus

    now = datetime.now(UTC)
    start = ceil_slot(now) - timedelta(minutes=30)
    booking = Booking(
        id="bench-" + str(time.monotonic_ns()),
        room_id=office.ROOM,
        start=start,
        end=start + timedelta(minutes=60),
        status=BookingStatus.BOOKED,
        organizer="alice",
        device=office.ROOM_DEVICE,
        created_at=now,
    )
    container.bookings.add_booking(booking, office.TIMEZONE)


def _clear_room(container: Container, _: int) -> None:
    """Delete the bench room's bookings and slots of today and tomorrow, so the next iteration starts clean."""
    zone = ZoneInfo(office.TIMEZONE)
    today = datetime.now(zone).date()
    table = container.table
    for day in (today, today + timedelta(days=1)):
        for item in table.query_pk(f"ROOMDAY#{office.ROOM}#{day.isoformat()}", consistent=True):
            if item["SK"].startswith(("BOOKING#", "SLOT#")):
                table.delete(item["PK"], item["SK"])


def scenarios() -> list[Scenario]:
    contact = _slot("Bob Chen", "user:bob", "CONTACT_NAME")
    room = _slot("Fuji", office.ROOM, "ROOM_NAME")
    return [
        Scenario("launch", "LaunchRequest", lambda i: _request("LaunchRequest")),
        Scenario("status", "RoomStatusIntent", lambda i: _request("RoomStatusIntent", {"room": room})),
        Scenario(
            "book",
            "BookRoomIntent",
            lambda i: _request(
                "BookRoomIntent",
                {
                    "room": room,
                    "date": _tokyo_day(1 + i // 36),
                    "startTime": f"{8 + (i % 36) // 4:02d}:{(i % 4) * 15:02d}",
                    "duration": "PT15M",
                },
                confirmation="CONFIRMED",
            ),
        ),
        Scenario(
            "find",
            "FindRoomIntent",
            lambda i: _request("FindRoomIntent", {"date": _tokyo_day(5), "startTime": "10:00", "duration": "PT30M"}),
        ),
        Scenario(
            "extend",
            "ExtendMeetingIntent",
            lambda i: _request("ExtendMeetingIntent", {"duration": "PT15M"}),
            before=_meeting_now,
            after=_clear_room,
        ),
        Scenario(
            "end", "EndMeetingIntent", lambda i: _request("EndMeetingIntent"), before=_meeting_now, after=_clear_room
        ),
        Scenario("call (ask)", "CallContactIntent", lambda i: _request("CallContactIntent", {"contact": contact})),
        Scenario(
            "call (confirmed)",
            "CallContactIntent",
            lambda i: _request(
                "CallContactIntent",
                {"contact": contact},
                confirmation="CONFIRMED",
                new_session=False,
                session_attributes={"calling": {"callee": "user:bob", "phoneType": "mobile"}},
            ),
        ),
        Scenario(
            "check-in",
            "VisitorCheckInIntent",
            lambda i: _request(
                "VisitorCheckInIntent",
                {"visitorName": f"Visitor {i}", "host": _slot("Bob Chen", "user:bob", "CONTACT_NAME")},
                device=office.LOBBY_DEVICE,
                confirmation="CONFIRMED",
                new_session=False,
                session_attributes={"reception.host": {"id": "bob", "query": "Bob Chen"}},
            ),
        ),
    ]


def handled_intents() -> set[str]:
    """Intent names some capability handler declares (`intent` of the shared IntentHandler, or a probe)."""
    from importlib import import_module

    from ask_sdk_core.handler_input import HandlerInput
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope

    from skill.capabilities import CAPABILITIES

    handlers = [handler for c in CAPABILITIES for handler in import_module(c.handlers).HANDLERS]
    found = {name for handler in handlers if isinstance(name := getattr(handler, "intent", None), str)}
    serializer = DefaultSerializer()
    for scenario in scenarios():
        if scenario.intent == "LaunchRequest" or scenario.intent in found:
            continue
        envelope = serializer.deserialize(payload=json.dumps(scenario.envelope(0)), obj_type=RequestEnvelope)
        probe = HandlerInput(request_envelope=envelope)
        if any(_can_handle(handler, probe) for handler in handlers):
            found.add(scenario.intent)
    return found


def _can_handle(handler: Any, probe: Any) -> bool:
    try:
        return bool(handler.can_handle(probe))
    except Exception:  # a handler that needs the request context to decide is not one we can probe
        return False


def _replay(client: DynamoDBClient, calls: list[tuple[str, dict[str, Any]]]) -> float:
    """Seconds the same DynamoDB calls take from a plain client; failed conditions count as answers."""
    from botocore.exceptions import ClientError

    started = time.perf_counter()
    for operation, params in calls:
        with contextlib.suppress(ClientError):
            getattr(client, _method(operation))(**params)
    return time.perf_counter() - started


def _method(operation: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")


def _answer(body: dict[str, Any]) -> str:
    response = body.get("response", {})
    directives = [d.get("type", "") for d in response.get("directives", [])]
    if directives:
        return directives[0]
    return "ends session" if response.get("shouldEndSession") else "asks"


def run(n: int = 50, endpoint: str | None = None) -> dict[str, Any]:
    """p50 and p99 over `n` warm requests per intent, bare DynamoDB latency and round trips."""
    if endpoint is None:
        with office.aws() as local:
            return run(n, local)
    from skill import app
    from skill.alexa.builder import build_skill
    from skill.bootstrap import Services

    available = handled_intents()
    bare_client = office.new_client(endpoint)
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    for scenario in scenarios():
        if scenario.intent != "LaunchRequest" and scenario.intent not in available:
            skipped.append(f"{scenario.label} ({scenario.intent} has no handler yet)")
            continue
        # A table per intent keeps moto's tables small: it copies the whole table for every transaction.
        table = office.create_office(endpoint)
        container, counter = office.container(endpoint, table)
        # Set-up writes go through a patient client: a retried transaction would find its own items on moto.
        setup, _ = office.container(endpoint, table, read_timeout=60)
        services = Services(container)
        app._services["voice"], app._skill = services, build_skill(services)
        figures = Figures(scenario.label, scenario.intent)
        for i in range(n + 1):
            if scenario.before:
                scenario.before(setup, i)
            counter.reset()
            event = scenario.envelope(i)
            started = time.perf_counter()
            body = app.handle_skill_event(event)
            elapsed = time.perf_counter() - started
            calls = list(counter.params)
            if i == 0:  # the first request fills the container's caches
                figures.first_trips = counter.total
                figures.answer = _answer(body)
            else:
                figures.latency.append(elapsed)
                figures.trips.append(counter.total)
                figures.operations = dict(counter.calls)
                figures.bare.append(_replay(bare_client, calls))
            if scenario.after:
                scenario.after(setup, i)
        rows.append(figures.row())
    app._services.clear()
    app._skill = None
    return {"n": n, "rows": rows, "skipped": skipped}
