"""A company of two sites through the Lambda handler's path, the jobs and `office-admin`, on moto's DynamoDB.

The fleet (tests/fixtures/fleets/sites.yaml): Tokyo (Fuji, Aso, a lobby; shared devices may call employees
only; reception Carol; end of day 20:00) and New York (Hudson, a lobby; reception Dave; end of day 18:00);
Alice and Carol work in Tokyo, Bob and Dave in New York, Bob has a desk device. The clock stands at 14:00 UTC
on 1 December 2026: 23:00 in Tokyo, 09:00 in New York.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fakes import FixedClock
from support import Conversation, speech

from skill.alexa.speech import clock_words
from skill.bootstrap import Container, Services
from skill.cli.main import main
from skill.domain.fleet import parse_fleet
from skill.domain.model import Fleet

SITES = Path(__file__).resolve().parents[1] / "fixtures" / "fleets" / "sites.yaml"
NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
FUJI, HUDSON = "amzn1.ask.device.FUJI", "amzn1.ask.device.HUDSON"
TOKYO_LOBBY, NYC_LOBBY = "amzn1.ask.device.TOKYO-LOBBY", "amzn1.ask.device.NYC-LOBBY"
BOB_DESK, BOB = "amzn1.ask.device.BOB-DESK", "amzn1.ask.account.BOB"


@pytest.fixture
def office_fleet() -> Fleet:
    return parse_fleet(yaml.safe_load(SITES.read_text(encoding="utf-8")))


@pytest.fixture
def clock(container: Container) -> FixedClock:
    container.clock = FixedClock(NOW)  # type: ignore[assignment]
    return container.clock  # type: ignore[return-value]


@pytest.fixture
def device(invoke: Any, clock: FixedClock):  # type: ignore[no-untyped-def]
    return lambda device_id: Conversation(invoke, device_id)


@pytest.fixture
def admin(container: Container, aws_endpoint: str, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    def run(*argv: str) -> tuple[int, Any, str]:
        capsys.readouterr()  # what ran before (the local dialer prints the calls it places)
        code = main([*argv, "--table", container.settings.table, "--endpoint-url", aws_endpoint])
        captured = capsys.readouterr()
        return code, json.loads(captured.out) if "--json" in argv and code == 0 else captured.out, captured.err

    return run


def test_each_device_speaks_times_in_its_sites_zone(device) -> None:  # type: ignore[no-untyped-def]
    # When Fuji (Tokyo), Hudson (New York) and Bob's desk (his home site, New York) book half an hour now
    fuji = device(FUJI).say("BookRoomIntent", duration="PT30M")
    hudson = device(HUDSON).say("BookRoomIntent", duration="PT30M")
    desk = device(BOB_DESK)
    asked = desk.say("BookRoomIntent", room="Hudson", date="2026-12-01", startTime="10:00", duration="PT30M")
    booked = desk.say(
        "BookRoomIntent", "CONFIRMED", room="Hudson", date="2026-12-01", startTime="10:00", duration="PT30M"
    )

    # Then each answer gives the end in its site's local time
    end = NOW + timedelta(minutes=30)
    assert clock_words(end, "Asia/Tokyo", "en-US") == "11:30 PM" and "until 11:30 PM" in speech(fuji)
    assert clock_words(end, "America/New_York", "en-US") == "9:30 AM" and "until 9:30 AM" in speech(hudson)
    assert "Book Hudson at 10:00 AM for 30 minutes?" in speech(asked) and "until 10:30 AM" in speech(booked)


def test_find_a_room_offers_the_rooms_of_the_devices_site_only(device) -> None:  # type: ignore[no-untyped-def]
    # When a room is looked for from Fuji and from Hudson
    tokyo, nyc = device(FUJI), device(HUDSON)
    tokyo.say("FindRoomIntent", duration="PT30M")
    nyc.say("FindRoomIntent", duration="PT30M")

    # Then each is offered its own site's bookable rooms only (the nearest, the others next)
    def offered(device: Conversation) -> set[str]:
        terms = device.attributes["offer"]["terms"]
        return {terms["room"], *terms["others"]}

    assert offered(tokyo) == {"fuji", "aso"}
    assert offered(nyc) == {"hudson"}


def test_a_room_named_by_voice_is_one_of_the_sites(device) -> None:  # type: ignore[no-untyped-def]
    # When Fuji is asked about Aso (its site's) and about Hudson (New York's), by name only
    aso = device(FUJI).say("RoomStatusIntent", room="Aso")
    hudson = device(FUJI).say("RoomStatusIntent", room="Hudson")

    # Then Aso is found and Hudson is not one of Tokyo's rooms
    assert "Aso" in speech(aso) and "free" in speech(aso)
    assert "I don't know a room called Hudson" in speech(hudson)


def test_a_sites_calling_policy_overrides_the_fleets_and_the_directory_is_the_companys(device) -> None:  # type: ignore[no-untyped-def]
    # When Fuji (Tokyo: employees only) and Hudson (the fleet's policy) call the contact Acme, and Hudson
    # calls Alice, who works in Tokyo
    from_tokyo = device(FUJI).say("CallContactIntent", contact="Acme Support")
    from_nyc = device(HUDSON).say("CallContactIntent", contact="Acme Support")
    alice = device(HUDSON).say("CallContactIntent", contact="Alice Tanaka")

    # Then Tokyo's room may not, New York's may, and anyone in the company can be called
    assert "Calls outside the company aren't allowed from here." in speech(from_tokyo)
    assert "Call Acme Support" in speech(from_nyc)
    assert "Call Alice Tanaka's mobile?" in speech(alice)


def test_a_launch_sends_the_sites_rooms_and_its_people_first(invoke: Any, clock: FixedClock) -> None:
    from skill.local.envelopes import launch_request

    # When Hudson's device is launched
    envelope = launch_request(application_id="amzn1.ask.skill.office-assistant-local", device_id=HUDSON, user_id=BOB)
    directives = invoke(envelope)["response"]["directives"]
    [entities] = [d for d in directives if d["type"] == "Dialog.UpdateDynamicEntities"]
    values = {t["name"]: [v["id"] for v in t["values"]] for t in entities["types"]}

    # Then Alexa learns New York's rooms, and New York's people before the contacts and the rest
    assert values["ROOM_NAME"] == ["hudson", "nyc-lobby"]
    assert values["CONTACT_NAME"] == ["bob", "dave", "acme", "alice", "carol"]


def test_a_visitor_is_on_the_list_of_the_site_they_checked_in_at(  # type: ignore[no-untyped-def]
    device, admin, container: Container
) -> None:
    # Given a visitor checked in at the New York lobby to see Alice (the directory is the company's)
    lobby = device(NYC_LOBBY)
    lobby.say("VisitorCheckInIntent", visitorName="Ken Sato", host="Alice Tanaka")
    lobby.say("VisitorCheckInIntent", confirmation="CONFIRMED", visitorName="Ken Sato", host="Alice Tanaka")

    # When each site's evacuation list is printed
    _, nyc, _ = admin("--json", "visitors", "list", "--on-site", "--site", "nyc")
    _, tokyo, _ = admin("--json", "visitors", "list", "--on-site", "--site", "tokyo")

    # Then Ken is on New York's, with his check-in in New York time, and not on Tokyo's
    assert [(v["name"], v["host"], v["site"]) for v in nyc] == [("Ken Sato", "alice", "nyc")]
    assert nyc[0]["checked_in_at"].endswith("-05:00")
    assert tokyo == []


def test_visitors_are_checked_out_at_each_sites_end_of_day_in_its_zone(container: Container) -> None:
    # Given a visitor in New York since 10:00 there, and one in Tokyo since 08:00 there the next morning
    services = Services(container)
    ny_lobby = services.identity.caller(NYC_LOBBY, None, None)
    tokyo_lobby = services.identity.caller(TOKYO_LOBBY, None, None)
    ny_in = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    tokyo_in = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    services.reception.check_in(ny_lobby, "Ken Sato", "Bob Chen", None, ny_in, "req-ny")
    services.reception.check_in(tokyo_lobby, "Mia Wong", "Alice Tanaka", None, tokyo_in, "req-tokyo")

    # When the sweeper runs at 18:30 in New York (08:30 in Tokyo the next day)
    checked_out = services.reception.auto_check_out(datetime(2026, 12, 1, 23, 30, tzinfo=UTC))

    # Then New York's day is over and its visitor checked out; Tokyo's visitor stays
    assert checked_out == 1
    assert [(v.visitor_name, v.site) for v in services.reception.on_site()] == [("Mia Wong", "tokyo")]


def test_list_commands_take_a_site(admin, device) -> None:  # type: ignore[no-untyped-def]
    # Given a booking and a call at each site
    device(FUJI).say("BookRoomIntent", duration="PT30M")
    device(HUDSON).say("BookRoomIntent", duration="PT30M")
    device(HUDSON).say("CallContactIntent", confirmation="CONFIRMED", contact="Alice Tanaka")

    # When each list is asked for New York only
    listed = {
        what: [row["id"] for row in admin("--json", *what.split(), "list", "--site", "nyc")[1]]
        for what in ("rooms", "devices", "users")
    }
    _, bookings, _ = admin("--json", "bookings", "list", "--site", "nyc", "--from", "2026-12-01T00:00-05:00")
    _, calls, _ = admin("--json", "calls", "list", "--site", "nyc")
    _, tokyo_calls, _ = admin("--json", "calls", "list", "--site", "tokyo")
    code, _, error = admin("rooms", "list", "--site", "osaka")

    # Then each holds New York's only, in New York time; an unknown site is bad input naming the sites
    assert listed == {
        "rooms": ["hudson", "nyc-lobby"],
        "devices": ["amzn1.ask.device.BOB-DESK", "amzn1.ask.device.HUDSON", "amzn1.ask.device.NYC-LOBBY"],
        "users": ["bob", "dave"],
    }
    assert [(b["room"], b["start"]) for b in bookings] == [("hudson", "2026-12-01T09:00:00-05:00")]
    assert [c["contact"] for c in calls] == ["user:alice"] and tokyo_calls == []
    assert code == 2 and "--site: unknown site 'osaka' (one of: tokyo, nyc)" in error


def test_an_export_of_sites_applies_back_as_nothing_to_change(admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # When the fleet of two sites is exported and applied back with --prune
    code, exported, _ = admin("export")
    path = tmp_path / "exported.yaml"
    path.write_text(exported, encoding="utf-8")
    code, out, _ = admin("apply", str(path), "--prune")

    # Then it is written as sites, and nothing changes
    doc = yaml.safe_load(exported)
    assert [site["id"] for site in doc["sites"]] == ["tokyo", "nyc"] and "site" not in doc
    assert doc["sites"][0]["open_hours"] == {"weekdays": "08:00-19:00", "saturday": "09:00-13:00"}
    assert (code, out.strip()) == (0, "nothing to change")
