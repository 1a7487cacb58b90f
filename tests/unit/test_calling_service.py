"""Calling use cases with fakes: directory look-up, policy refusals, the device's hourly limit, the call log and
the dialer (a throttled call asked again)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes import InMemoryBookings, InMemoryCallLog, InMemoryFleetStore, RecordingDialer

from skill.domain.calls import CallStatus
from skill.domain.dialing import CallOutcomeUnknown, DialerError
from skill.domain.limits import LimitReached
from skill.domain.model import (
    BusyInterval,
    Caller,
    CallerKind,
    CallingPolicy,
    Contact,
    Fleet,
    Limits,
    Room,
    Site,
    User,
)
from skill.services import calling
from skill.services.calling import Ambiguous, Callee, CallingService, NotFound

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
INVITES = Path(__file__).resolve().parents[1] / "fixtures" / "invites"
SITE = Site(name="HQ", timezone="Asia/Tokyo", country="JP", reception="carol")
ALICE = User(id="alice", name="Alice Tanaka", phones={"mobile": "+819012345678", "office": "+81312345678"})
ALICE_CHEN = User(id="alice-chen", name="Alice Chen", phones={"office": "+81312349999"})
BOB = User(id="bob", name="Bob Marley", phones={"mobile": "+819022223333"})
CAROL = User(id="carol", name="Carol Front", phones={"office": "+81312340001"})
ACME = Contact(id="acme", name="Acme Support", phones={"office": "+12065550100"})
POLICY = CallingPolicy(
    shared_may_call=("employees", "contacts"), blocked_prefixes=("+1900", "+4420"), allowed_countries=("JP", "US", "GB")
)
FLEET = Fleet(site=SITE, users=(ALICE, ALICE_CHEN, BOB, CAROL), contacts=(ACME,), calling=POLICY)
ROOM = Room(id="fuji", name="Fuji", phone="+81312340005")
SHARED = Caller(CallerKind.SHARED, "dev-room", room=ROOM, features=frozenset({"calling"}), site=SITE)
PERSONAL = Caller(CallerKind.PERSONAL, "dev-desk", user=BOB, features=frozenset({"calling"}), site=SITE)


@pytest.fixture
def log() -> InMemoryCallLog:
    return InMemoryCallLog()


@pytest.fixture
def dialer() -> RecordingDialer:
    return RecordingDialer()


def service(
    log: InMemoryCallLog,
    dialer: RecordingDialer,
    bookings: InMemoryBookings | None = None,
    fleet: Fleet = FLEET,
    waits: list[float] | None = None,
) -> CallingService:
    store = InMemoryFleetStore.of(fleet)
    sleep = (waits if waits is not None else []).append
    return CallingService(store, log, dialer, provider="local", bookings=bookings or InMemoryBookings(), sleep=sleep)


def place(
    caller: Caller, target: calling.Target, log: InMemoryCallLog, dialer: RecordingDialer, request_id: str = "req-1"
):  # type: ignore[no-untyped-def]
    return service(log, dialer).place(caller, target, request_id=request_id, now=NOW)


def callee(query: str, phone_type: str | None, caller: Caller, **given: Any) -> Callee | Ambiguous | NotFound | None:
    """Who "call `query`" means, looked up in FLEET's directory as the skill does."""
    return service(InMemoryCallLog(), RecordingDialer()).callee(query, phone_type, caller, **given)


# ---------------------------------------------------------------- who is meant


def test_a_unique_name_resolves_to_the_callee_on_their_first_usual_phone() -> None:
    found = callee("bob", None, SHARED)
    assert found == Callee("user:bob", "user:bob", "Bob Marley", "employees", "mobile", "+819022223333")


def test_a_phone_type_picks_that_number_and_a_missing_one_is_named() -> None:
    assert callee("Alice Tanaka", "work", SHARED) == Callee(
        "user:alice", "user:alice", "Alice Tanaka", "employees", "office", "+81312345678"
    )
    usual = Callee("user:alice", "user:alice", "Alice Tanaka", "employees", "mobile", "+819012345678")
    assert callee("Alice Tanaka", "home", SHARED) == NotFound("no_such_phone", "Alice Tanaka", "home", usual)


def test_two_close_names_are_ambiguous_and_the_answer_picks_one() -> None:
    # Given "call Alice" with two Alices in the directory
    found = callee("Alice", None, SHARED)
    assert isinstance(found, Ambiguous)
    assert set(found.ids) == {"user:alice", "user:alice-chen"}

    # When the answer is "Alice Chen" or "the first one"
    by_name = callee("Alice Chen", None, SHARED, candidates=found.ids)
    by_order = callee("the first one", None, SHARED, candidates=found.ids)

    # Then that candidate is called
    assert isinstance(by_name, Callee) and by_name.ref == "user:alice-chen"
    assert isinstance(by_order, Callee) and by_order.ref == found.ids[0]


def test_the_speaker_is_left_out_when_someone_else_matches() -> None:
    alice_desk = replace(PERSONAL, user=ALICE)
    found = callee("Alice", None, alice_desk)
    assert isinstance(found, Callee) and found.ref == "user:alice-chen"


def test_reception_and_contacts_are_in_the_directory_and_strangers_are_not() -> None:
    reception = callee("the front desk", None, SHARED)
    assert isinstance(reception, Callee) and (reception.name, reception.ref) == ("reception", "user:carol")
    acme = callee("acme support", None, SHARED)
    assert isinstance(acme, Callee) and (acme.kind, acme.number) == ("contacts", "+12065550100")
    assert callee("Zebedee", None, SHARED) == NotFound("nobody")


def test_the_entity_resolution_id_is_used_when_the_spoken_name_matches_nobody() -> None:
    found = callee("ack me help", None, SHARED, entity_id="acme")
    assert isinstance(found, Callee) and found.ref == "contact:acme"


# ---------------------------------------------------------------- placing a call


def test_a_call_rings_the_room_phone_then_the_callee_and_is_logged(
    log: InMemoryCallLog, dialer: RecordingDialer
) -> None:
    # Given Bob resolved from a shared room device
    bob = callee("bob", None, SHARED)
    assert isinstance(bob, Callee)

    # When the call is placed
    outcome = place(SHARED, bob, log, dialer)

    # Then the room phone rings first, bridged to Bob's mobile, and the log holds the attempt
    assert outcome.result == "placed"
    assert [(c.from_room_phone, c.to, c.digits) for c in dialer.calls] == [("+81312340005", "+819022223333", None)]
    stored = log.calls[outcome.call_id or ""]
    assert (stored.to, stored.contact, stored.device, stored.provider) == (
        "+819022223333",
        "user:bob",
        "dev-room",
        "local",
    )
    assert stored.provider_id == dialer.calls[0].transaction_id
    assert stored.expires_at == NOW + timedelta(days=30)


def test_a_retried_request_dials_once(log: InMemoryCallLog, dialer: RecordingDialer) -> None:
    first = place(PERSONAL, "03-1234-5678", log, dialer, request_id="req-7")
    again = place(PERSONAL, "03-1234-5678", log, dialer, request_id="req-7")
    assert first.result == again.result == "placed"
    assert again.repeated and again.call_id == first.call_id
    assert len(dialer.calls) == 1 and len(log.calls) == 1


def test_a_personal_device_rings_the_users_own_phone_and_dials_national_numbers(
    log: InMemoryCallLog, dialer: RecordingDialer
) -> None:
    outcome = place(PERSONAL, "03 1234 5678", log, dialer)
    assert outcome.result == "placed"
    assert [(c.from_room_phone, c.to) for c in dialer.calls] == [("+819022223333", "+81312345678")]


@pytest.mark.parametrize(
    ("caller", "said", "reason"),
    [
        (PERSONAL, "911", "emergency"),
        (PERSONAL, "110", "emergency"),
        (SHARED, "119", "emergency"),
        (PERSONAL, "+1 900 555 0199", "premium"),
        (PERSONAL, "+44 20 7946 0018", "blocked"),
        (PERSONAL, "0990-123-456", "premium"),
        (SHARED, "03 1234 5678", "not_allowed_on_shared"),
    ],
)
def test_refused_numbers_are_logged_and_never_dialled(
    caller: Caller, said: str, reason: str, log: InMemoryCallLog, dialer: RecordingDialer
) -> None:
    outcome = place(caller, said, log, dialer)
    assert (outcome.result, outcome.reason) == ("refused", reason)
    assert dialer.calls == []
    assert [c.status for c in log.calls.values()] == [CallStatus.REFUSED]


def test_a_shared_device_may_call_numbers_when_the_policy_allows(log: InMemoryCallLog, dialer: RecordingDialer) -> None:
    open_policy = replace(FLEET, calling=replace(POLICY, shared_may_call=("employees", "contacts", "numbers")))
    outcome = service(log, dialer, fleet=open_policy).place(SHARED, "03 1234 5678", request_id="req-1", now=NOW)
    assert outcome.result == "placed"


def test_check_call_answers_ready_without_logging_or_dialling(log: InMemoryCallLog) -> None:
    outcome = service(log, RecordingDialer()).check(PERSONAL, "03 1234 5678", request_id="req-1", now=NOW)
    assert outcome.result == "ready" and log.calls == {}


def test_gibberish_is_invalid_and_nothing_is_logged(log: InMemoryCallLog, dialer: RecordingDialer) -> None:
    outcome = place(PERSONAL, "12", log, dialer)
    assert outcome.result == "invalid" and log.calls == {} and dialer.calls == []


def test_no_phone_to_ring_first_is_a_clear_outcome(log: InMemoryCallLog, dialer: RecordingDialer) -> None:
    phoneless_room = replace(SHARED, room=replace(ROOM, phone=None))
    outcome = place(
        phoneless_room, Callee("user:bob", "user:bob", "Bob", "employees", "mobile", "+819022223333"), log, dialer
    )
    assert (outcome.result, outcome.reason) == ("no_phone", "room")
    assert dialer.calls == []


def test_a_dialer_error_marks_the_call_failed(log: InMemoryCallLog) -> None:
    outcome = place(PERSONAL, "03 1234 5678", log, RecordingDialer(DialerError("throttled", retryable=True)))
    assert (outcome.result, outcome.reason) == ("failed", "throttled")
    assert log.calls[outcome.call_id or ""].status is CallStatus.FAILED


def test_a_call_the_provider_throttled_is_asked_again_after_a_short_wait(log: InMemoryCallLog) -> None:
    # Given a provider that turns the first request away as too busy (the call is not placed)
    dialer = RecordingDialer(failures=[DialerError("throttled", retryable=True)])
    waits: list[float] = []

    # When the call is placed
    outcome = service(log, dialer, waits=waits).place(PERSONAL, "03 1234 5678", request_id="req-t", now=NOW)

    # Then it was asked again after a wait of a fraction of a second, and placed once, under one call id
    assert outcome.result == "placed"
    assert len(waits) == 1 and 0.1 <= waits[0] <= 0.2
    assert [call.call_id for call in dialer.calls] == [outcome.call_id, outcome.call_id]
    assert log.calls[outcome.call_id or ""].provider_id == "tx-2"


def test_a_call_the_provider_keeps_throttling_fails_after_three_requests(log: InMemoryCallLog) -> None:
    dialer = RecordingDialer(DialerError("throttled", retryable=True))
    waits: list[float] = []
    outcome = service(log, dialer, waits=waits).place(PERSONAL, "03 1234 5678", request_id="req-t", now=NOW)
    assert (outcome.result, outcome.reason, len(dialer.calls), len(waits)) == ("failed", "throttled", 3, 2)
    assert waits[1] > waits[0] / 2 and waits[1] <= 0.4


def test_a_call_the_provider_refused_for_another_reason_is_not_asked_again(log: InMemoryCallLog) -> None:
    dialer = RecordingDialer(DialerError("rejected", retryable=False))
    assert service(log, dialer).place(PERSONAL, "03 1234 5678", request_id="r", now=NOW).result == "failed"
    assert len(dialer.calls) == 1


def test_a_device_over_its_hourly_call_limit_dials_and_logs_nothing(
    log: InMemoryCallLog, dialer: RecordingDialer
) -> None:
    # Given a room device that may place two calls an hour, and has placed two (and had a number refused)
    calls = service(log, dialer, fleet=replace(FLEET, limits=Limits(calls_per_device_per_hour=2)))
    bob = Callee("user:bob", "user:bob", "Bob Marley", "employees", "mobile", "+819022223333")
    for request in ("req-1", "req-2"):
        assert calls.place(SHARED, bob, request_id=request, now=NOW).result == "placed"
    assert calls.place(SHARED, "911", request_id="req-3", now=NOW).result == "refused"

    # When it places a third within the hour, and the second request comes again
    with pytest.raises(LimitReached) as refused:
        calls.place(SHARED, replace(bob, number="+819022224444"), request_id="req-4", now=NOW + timedelta(minutes=59))
    again = calls.place(SHARED, bob, request_id="req-2", now=NOW)

    # Then nothing is dialled or logged for the third, and the repeated request still gets its own call's outcome
    assert refused.value.reason == "calls"
    assert len(dialer.calls) == 2 and len(log.calls) == 3
    assert (again.result, again.repeated) == ("placed", True)
    # And the next hour the device calls again
    assert calls.place(SHARED, bob, request_id="req-5", now=NOW + timedelta(hours=1)).result == "placed"


def test_a_call_the_provider_did_not_answer_in_time_is_requested_once_and_logged_as_unknown(
    log: InMemoryCallLog,
) -> None:
    # Given a provider that took the request but whose answer never came
    dialer = RecordingDialer(CallOutcomeUnknown("ReadTimeoutError"))
    # When the call is placed, then the same request comes again
    first = place(PERSONAL, "03 1234 5678", log, dialer, request_id="req-9")
    again = place(PERSONAL, "03 1234 5678", log, dialer, request_id="req-9")
    # Then the call is reported as requested (not failed), logged as unknown, and asked of the provider once
    assert (first.result, again.result, again.repeated) == ("requested", "requested", True)
    assert log.calls[first.call_id or ""].status is CallStatus.UNKNOWN
    assert len(dialer.calls) == 1


def test_the_request_that_placed_a_call_travels_with_it_to_the_dialer(log: InMemoryCallLog) -> None:
    dialer = RecordingDialer()
    place(PERSONAL, "03 1234 5678", log, dialer, request_id="amzn1.echo-api.request.7")
    assert [call.request_id for call in dialer.calls] == ["amzn1.echo-api.request.7"]


def test_placed_and_refused_calls_are_counted_once_each(
    log: InMemoryCallLog, dialer: RecordingDialer, counted: Callable[[str], int]
) -> None:
    # Given a call placed, the same request retried, a refused number and a call the dialer could not place
    place(PERSONAL, "03 1234 5678", log, dialer, request_id="req-1")
    place(PERSONAL, "03 1234 5678", log, dialer, request_id="req-1")
    place(PERSONAL, "911", log, dialer, request_id="req-2")
    place(PERSONAL, "03 1234 5678", log, RecordingDialer(DialerError("throttled", retryable=True)), "req-3")
    # Then one call is counted as placed and one as refused
    assert (counted("CallPlaced"), counted("CallRefused")) == (1, 1)


# ---------------------------------------------------------------- joining a meeting


def busy(start_minutes: int, dial_in: str | None, minutes: int = 60) -> BusyInterval:
    start = NOW + timedelta(minutes=start_minutes)
    return BusyInterval(start, start + timedelta(minutes=minutes), "feed", ref="uid-1", dial_in=dial_in)


def join(caller: Caller, intervals: list[BusyInterval], log: InMemoryCallLog, dialer: RecordingDialer):  # type: ignore[no-untyped-def]
    owner = caller.room.id if caller.room else f"user:{caller.user.id}"  # type: ignore[union-attr]
    bookings = InMemoryBookings(feed={owner: intervals})
    return service(log, dialer, bookings).join(caller, request_id="req-j", now=NOW)


def test_join_dials_the_zoom_bridge_with_meeting_digits(log: InMemoryCallLog, dialer: RecordingDialer) -> None:
    # Given a Zoom meeting starting in ten minutes on a shared room's calendar (JP site)
    invite = (INVITES / "zoom-en-us.txt").read_text(encoding="utf-8")

    # When the room joins it
    outcome = join(SHARED, [busy(10, invite)], log, dialer)

    # Then the Japanese bridge number is dialled from the room phone, with meeting id and passcode digits
    assert outcome.result == "placed"
    (placed,) = dialer.calls
    assert placed.from_room_phone == "+81312340005"
    assert placed.to.startswith("+81")
    assert placed.digits is not None and "85012345678#" in placed.digits and "552913#" in placed.digits


def test_join_without_a_meeting_or_dial_in_says_what_is_missing(log: InMemoryCallLog, dialer: RecordingDialer) -> None:
    assert join(SHARED, [], log, dialer).result == "no_meeting"
    assert join(SHARED, [busy(30, "Zoom meeting, see link")], log, dialer).result == "no_meeting"
    assert join(SHARED, [busy(-10, "Just a chat, no phone")], log, dialer).result == "no_dial_in"
    assert dialer.calls == [] and log.calls == {}


def test_a_room_that_may_call_only_employees_joins_a_bridge_only_within_its_countries(
    log: InMemoryCallLog, dialer: RecordingDialer
) -> None:
    # Given a Tokyo room whose policy allows employees only, and calls to Japan only (the default)
    fleet = replace(FLEET, calling=CallingPolicy(shared_may_call=("employees",)))

    def join_with(invite: str) -> calling.CallOutcome:
        bookings = InMemoryBookings(feed={ROOM.id: [busy(5, invite)]})
        return service(log, dialer, bookings, fleet).join(SHARED, request_id=invite[:20], now=NOW)

    # When it joins a Zoom meeting with a Japanese bridge, a Teams meeting with UK and US bridges only,
    # and an event whose text only says "call" a Jamaican number
    zoom = join_with((INVITES / "zoom-en-us.txt").read_text(encoding="utf-8"))
    teams = join_with((INVITES / "teams-en-gb.txt").read_text(encoding="utf-8"))
    lunch = join_with("Lunch chat. Call +1 876 555 1234")

    # Then the Zoom bridge is dialled, the Teams bridges abroad are refused, and the bare number is no dial-in
    assert zoom.result == "placed" and [c.to for c in dialer.calls] == ["+81345781488"]
    assert (teams.result, teams.reason) == ("refused", "country")
    assert lunch.result == "no_dial_in"


def test_every_employee_and_contact_is_found_by_name_and_reception_by_its_desk() -> None:
    # Given the directory as apply filed it / When each party is asked for by full name, and reception
    found = {
        name: found.ref if isinstance(found := callee(name, None, SHARED), Callee) else found
        for name in ("Alice Tanaka", "Alice Chen", "Bob Marley", "Carol Front", "Acme Support", "reception")
    }

    # Then each is found, reception being the site's reception desk (carol)
    assert found == {
        "Alice Tanaka": "user:alice",
        "Alice Chen": "user:alice-chen",
        "Bob Marley": "user:bob",
        "Carol Front": "user:carol",
        "Acme Support": "contact:acme",
        "reception": "user:carol",
    }


def test_a_site_calling_policy_overrides_the_fleets(log: InMemoryCallLog, dialer: RecordingDialer) -> None:
    # Given a site whose own policy lets shared devices call employees only
    strict = replace(SHARED, site=replace(SITE, calling=CallingPolicy(shared_may_call=("employees",))))
    acme = callee("acme support", None, strict)
    assert isinstance(acme, Callee)

    # When its room device calls the contact, and a room of a site with the fleet's policy does too
    refused = place(strict, acme, log, dialer, request_id="req-strict")
    allowed = place(SHARED, acme, log, dialer, request_id="req-fleet")

    # Then the site's policy refuses, the fleet's allows, and only the allowed call is dialled
    assert (refused.result, allowed.result) == ("refused", "placed")
    assert [c.to for c in dialer.calls] == ["+12065550100"]


def test_the_meeting_to_join_is_looked_for_on_the_rooms_or_the_users_own_calendar() -> None:
    # Given a store that answers, and one that fails
    store, broken = InMemoryBookings(), InMemoryBookings(unreachable=True)
    store.feed = {ROOM.id: [busy(5, None)], f"user:{BOB.id}": [busy(5, None)]}

    # When a room and a personal device look for a meeting to join, and a room whose calendar cannot be read
    reads = service(InMemoryCallLog(), RecordingDialer(), store)
    from_room = reads.meetings_soon(SHARED, NOW)
    from_desk = reads.meetings_soon(PERSONAL, NOW)
    unreadable = service(InMemoryCallLog(), RecordingDialer(), broken).meetings_soon(SHARED, NOW)

    # Then the room's and Bob's calendars are read through the join window; an unreadable one is no meeting
    end = NOW + calling.JOIN_LEAD + calling.BUSY_LOOKUP_SLACK
    assert store.reads == [(ROOM.id, NOW, end), (f"user:{BOB.id}", NOW, end)]
    assert len(from_room) == len(from_desk) == 1
    assert unreadable == []
