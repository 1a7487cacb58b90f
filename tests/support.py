"""Builders shared by the test layers: reading a response envelope, a conversation that carries session
attributes from answer to answer as Alexa does, Lambda invocation contexts, the application installed behind
skill.app's entry points, SIP media application events, a webhook receiver and a server of canned answers on
127.0.0.1, and the room-time state machine that the in-memory bookings fake and the DynamoDB store must both
pass."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args
from zoneinfo import ZoneInfo

import pytest
from fakes import InMemoryFeeds, InMemoryFleetStore
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from skill.config import LOCAL_SKILL_ID
from skill.domain.booking import SLOT, BookingRequest
from skill.domain.errors import BookingRuleError, RoomTakenError
from skill.domain.model import Booking, Caller, CallerKind, Contact, Fleet, Room, Site, User
from skill.local.envelopes import intent_request
from skill.local.server import LambdaContext
from skill.services.rooms import RoomService

if TYPE_CHECKING:
    from skill.bootstrap import Services
    from skill.ports import BookingStore, FleetStore


def apply_entities(store: FleetStore, *entities: User | Contact | Room) -> None:
    """Add entities to the stored fleet, or change them (same id), the way `office-admin apply` does: with the
    site names and directory entries derived from them."""
    from fakes import read_no_contacts

    from skill.services.fleet import FleetService

    fleet = store.load_fleet()
    for entity in entities:
        field_name = {User: "users", Contact: "contacts", Room: "rooms"}[type(entity)]
        kept = [e for e in getattr(fleet, field_name) if e.id != entity.id]
        fleet = replace(fleet, **{field_name: (*kept, entity)})
    service = FleetService(store, read_contacts=read_no_contacts)
    service.apply(service.plan(fleet, prune=False))


def speech(response: dict[str, Any]) -> str:
    """What the listener hears: the output speech without SSML tags."""
    return re.sub(r"<[^>]+>", "", response["response"].get("outputSpeech", {}).get("ssml", ""))


def directive(response: dict[str, Any]) -> dict[str, Any]:
    """The response's first directive, or an empty dict."""
    directives = response["response"].get("directives") or []
    return dict(directives[0]) if directives else {}


@dataclass
class Conversation:
    """One device talking to the skill through `invoke` (the Lambda handler's path)."""

    invoke: Callable[[dict[str, Any]], dict[str, Any]]
    device: str
    user: str = "amzn1.ask.account.SOMEONE"
    person: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    locale: str = "en-US"

    def say(self, intent: str, confirmation: str = "NONE", **slots: str | None) -> dict[str, Any]:
        envelope = intent_request(
            intent,
            slots,
            confirmation=confirmation,
            application_id=LOCAL_SKILL_ID,
            device_id=self.device,
            user_id=self.user,
            person_id=self.person,
            locale=self.locale,
            session_attributes=self.attributes,
            new_session=not self.attributes,
        )
        response = self.invoke(envelope)
        self.attributes = dict(response.get("sessionAttributes") or {})
        return response


CHIME_NUMBER = "+12065550100"  # the number calls are placed from


def sma_leg(tag: str, call_id: str, to: str, status: str = "Connected") -> dict[str, Any]:
    """One call leg (participant) of a PSTN audio event."""
    return {
        "CallId": call_id,
        "ParticipantTag": tag,
        "To": to,
        "From": CHIME_NUMBER,
        "Direction": "Outbound",
        "StartTimeInMilliseconds": "1730790000000",
        "Status": status,
    }


def sma_event(
    kind: str,
    participants: list[dict[str, Any]],
    attributes: dict[str, str],
    action_data: dict[str, Any] | None = None,
    sequence: int = 1,
) -> dict[str, Any]:
    """A PSTN audio event as the SIP media application Lambda receives it, in the documented format."""
    body: dict[str, Any] = {
        "SchemaVersion": "1.0",
        "Sequence": sequence,
        "InvocationEventType": kind,
        "CallDetails": {
            "TransactionId": "tx-1",
            "TransactionAttributes": attributes,
            "AwsAccountId": "123456789012",
            "AwsRegion": "us-east-1",
            "SipMediaApplicationId": "sma-1",
            "Participants": participants,
        },
    }
    if action_data is not None:
        body["ActionData"] = action_data
    return body


# ---------------------------------------------------------------- Lambda


def lambda_context(remaining_ms: int = 10_000) -> LambdaContext:
    """A Lambda invocation context with `remaining_ms` left (a fresh invocation of the skill has about 10 s)."""
    return LambdaContext(deadline_ms=remaining_ms)


@contextmanager
def serving(services: Services) -> Iterator[None]:
    """`services` answers every Lambda entry point of skill.app while the block runs."""
    from skill import app
    from skill.adapters.aws import Kind
    from skill.alexa.builder import build_skill

    saved = dict(app._services), app._skill
    app._services.update(dict.fromkeys(get_args(Kind), services))
    app._skill = build_skill(services)
    try:
        yield
    finally:
        app._services.clear()
        app._services.update(saved[0])
        app._skill = saved[1]


# ---------------------------------------------------------------- webhooks


@dataclass
class Received:
    path: str
    status: int
    headers: dict[str, str]
    body: Any


class WebhookReceiver:
    """A chat webhook on 127.0.0.1 that keeps every request. Each path answers its scripted replies in turn (a
    status, or "hang": no answer until the receiver closes or `release` is set), then 200."""

    def __init__(self) -> None:
        self.replies: dict[str, list[int | str]] = {}
        self.received: list[Received] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                path = self.path if self.path.startswith("/") else "/" + self.path.split("/", 3)[-1]
                queue = receiver.replies.get(path, [])
                reply = queue.pop(0) if queue else 200
                if reply == "hang":
                    receiver.received.append(Received(self.path, 0, dict(self.headers), body))
                    receiver.release.wait(10)
                    return
                receiver.received.append(Received(self.path, int(reply), dict(self.headers), body))
                self.send_response(int(reply))
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def bodies(self, path: str) -> list[Any]:
        """What `path` accepted (answered with 2xx)."""
        return [r.body for r in self.received if r.path.endswith(path) and 200 <= r.status < 300]

    def requests(self, path: str) -> int:
        """How many requests reached `path`, answered or not."""
        return sum(r.path.endswith(path) for r in self.received)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------- room time


class HangingFeed:
    """A calendar server on 127.0.0.1 that takes every request and never finishes answering it: silent, or
    (`trickle`) sending the headers of a large body and then a byte a second, so that no read timeout ends the
    fetch before its overall time cap does. `asked` is set once a request came; `hang_up()` ends it all."""

    def __init__(self, *, trickle: bool = False) -> None:
        self.trickle = trickle
        self.asked = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._held: list[socket.socket] = []
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}{path}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._held.append(connection)
            self.asked.set()
            if self.trickle:
                threading.Thread(target=self._drip, args=(connection,), daemon=True).start()

    def _drip(self, connection: socket.socket) -> None:
        with contextlib.suppress(OSError):
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/calendar\r\nContent-Length: 1000000\r\n\r\n")
            while not self._closed.wait(1.0):
                connection.sendall(b"X")

    def hang_up(self) -> None:
        self._closed.set()
        self._listener.close()
        for connection in self._held:
            connection.close()


class RoomTimeMachine(RuleBasedStateMachine):
    """Meetings booked, extended and ended from a room's own device at arbitrary minutes, through the room use
    cases on the store `new_store` makes: whenever the room's status says it is free now, booking it now (for
    as long as it stays free, up to half an hour) succeeds. Bind `new_store` in a subclass."""

    tz = "Asia/Tokyo"
    room = Room("fuji", "Fuji", floor=5, capacity=8)

    def __init__(self) -> None:
        super().__init__()
        site = Site(timezone=self.tz)
        fleet = InMemoryFleetStore.of(Fleet(site=site, rooms=(self.room,)))
        self.service = RoomService(self.new_store(), InMemoryFeeds(), fleet, stale_after=SLOT)
        self.now = datetime(2026, 12, 1, 8, 3, 17, tzinfo=ZoneInfo(self.tz)).astimezone(UTC)
        self.caller = Caller(
            CallerKind.SHARED, "amzn1.ask.device.TESTROOM", room=self.room, features=frozenset({"booking"}), site=site
        )

    def new_store(self) -> BookingStore:
        raise NotImplementedError

    def _book(self, start: datetime, minutes: int) -> Booking:
        request = BookingRequest(start, timedelta(minutes=minutes))
        return self.service.book(self.caller, self.room, request, self.now, None)

    @rule(seconds=st.integers(1, 50 * 60))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @rule(minutes_ahead=st.integers(0, 150), minutes=st.integers(1, 90))
    def book(self, minutes_ahead: int, minutes: int) -> None:
        with contextlib.suppress(RoomTakenError, BookingRuleError):
            self._book(self.now + timedelta(minutes=minutes_ahead), minutes)

    @rule(minutes=st.integers(1, 60))
    def extend_the_meeting(self, minutes: int) -> None:
        current = self.service.current(self.caller, self.now)
        if current is not None:
            with contextlib.suppress(BookingRuleError):
                self.service.extend(self.caller, current, timedelta(minutes=minutes), self.now)

    @rule()
    def end_the_meeting(self) -> None:
        current = self.service.current(self.caller, self.now)
        if current is not None:
            self.service.end(self.caller, current, self.now)

    @rule(minutes=st.integers(1, 30))
    def book_now_when_free(self, minutes: int) -> None:
        status = self.service.status(self.room, self.caller, self.now)
        if status.is_busy:
            return
        free_for = ((status.free_until or self.now + timedelta(hours=1)) - self.now) // timedelta(minutes=1)
        if free_for >= 1:
            booked = self._book(self.now, min(minutes, free_for))
            assert booked.start <= self.now < booked.end


# ---------------------------------------------------------------- canned answers


@dataclass
class Canned:
    """An HTTP server on 127.0.0.1 answering each path with a canned status, headers and body, and keeping
    the method and path of every request it received."""

    routes: dict[str, tuple[int, dict[str, str], bytes]]
    received: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""


# ---------------------------------------------------------------- room problems


def problem_item(
    problem_id: str, room: str, text: str, reported_at: str, *, site: str = "main", status: str = "open"
) -> dict[str, Any]:
    """A room problem as the facilities capability stores it (`PROBLEM#{id} / META`, listed by GSI1 `PROBLEMS`)."""
    return {
        "PK": f"PROBLEM#{problem_id}",
        "SK": "META",
        "kind": "problem",
        "id": problem_id,
        "room": room,
        "site": site,
        "problem": text,
        "reported_at": reported_at,
        "status": status,
        "resolved_at": None,
        "GSI1PK": "PROBLEMS",
        "GSI1SK": f"{reported_at}#{problem_id}",
    }


# ---------------------------------------------------------------- HTTP servers and a real browser


@contextmanager
def http_server(answer: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 whose GET and POST `answer` handles; its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            answer(self)

        do_POST = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"


def chromium() -> str:
    """Debian's chromium. Missing, it fails the test in CI (CI=true: .ci/run installs it) and skips it elsewhere."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("chromium is not installed, and CI must run the browser test (.ci/run installs it with apt-get)")
    pytest.skip("chromium is not installed (apt-get install chromium; .ci/run installs it in CI)")


def headless(url: str, *flags: str) -> str:
    """What headless chromium prints for `url` with `flags` (`--dump-dom`, `--screenshot=FILE`...). Every host
    name resolves to nothing but 127.0.0.1, so a page that asked the internet for anything would get nothing."""
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        done = subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                f"--user-data-dir={profile}",
                *flags,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=90,
            check=True,
        )
    return done.stdout
