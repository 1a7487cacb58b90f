"""Meeting rooms end to end: `office-skill serve` spoken to through virtual-alexa, on a small office of its own.

On the room's shared device: book now, extend, end, find a room and book it with "yes". On a personal
device: book a named room tomorrow, confirmed first. A room taken later in the time asked is offered until
then: "yes" books that part, "no" ends politely; "start the meeting" on a room device that may not join calls
checks the booking in; both in English and in Japanese. Durations go in as Alexa sends them (PT30M).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from skill.alexa.speech import clock_words
from skill.local.envelopes import intent_request

pytestmark = pytest.mark.e2e

Speech = Callable[[dict[str, Any]], str]
TZ = "Asia/Tokyo"


@pytest.fixture(scope="module")
def office(skill_server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two rooms on floor 3 (ids unique to this run), a shared device in the first, a personal device;
    returned once the server (whose warm fleet cache may predate them) knows the rooms."""
    tag = uuid.uuid4().hex[:8]
    ids = {
        "room": f"e2e-kilimanjaro-{tag}",
        "other": f"e2e-denali-{tag}",
        "user": f"e2e-user-{tag}",
        "room_device": f"amzn1.ask.device.E2EROOM{tag.upper()}",
        "desk_device": f"amzn1.ask.device.E2EDESK{tag.upper()}",
    }
    fleet = {
        "site": {"name": "E2E HQ", "timezone": TZ, "country": "JP"},
        "rooms": [
            {"id": ids["room"], "name": "Kilimanjaro", "floor": 3, "capacity": 6},
            {"id": ids["other"], "name": "Denali", "floor": 3, "capacity": 4},
        ],
        "skill_groups": [{"id": f"rooms-{tag}", "features": ["booking"]}],
        "devices": [
            {"id": ids["room_device"], "kind": "shared", "room": ids["room"], "skill_group": f"rooms-{tag}"},
            {"id": ids["desk_device"], "kind": "personal", "user": ids["user"]},
        ],
        "users": [{"id": ids["user"], "name": "Erin Example", "email": f"{tag}@example.com"}],
    }
    path = tmp_path_factory.mktemp("rooms") / "fleet.yaml"
    path.write_text(yaml.safe_dump(fleet))
    denali = intent_request(
        "RoomStatusIntent",
        {"room": "denali"},
        application_id=skill_server.skill_id,
        device_id=ids["desk_device"],
        user_id="amzn1.ask.account.E2EDESK",
    )
    skill_server.apply(path, seen=lambda: "don't know" not in skill_server.said(denali))
    return ids


def bookings(skill_server: Any, room: str) -> list[dict[str, Any]]:
    listed = skill_server.admin("bookings", "list", "--room", room, "--json")
    assert listed.returncode == 0, listed.stderr
    rows: list[dict[str, Any]] = json.loads(listed.stdout)
    return rows


def test_shared_room_device_books_extends_ends_and_finds(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, office: dict[str, str]
) -> None:
    # Given the room's own device
    room = alexa(device_id=office["room_device"])

    # When it is asked to book the room for 30 minutes now
    booked = room.intend("BookRoomIntent", {"duration": "PT30M"})

    # Then the room is booked and checked in at once
    assert speech(booked).startswith("Done. Kilimanjaro is booked at ")
    [row] = bookings(skill_server, office["room"])
    assert row["status"] == "checked_in"
    first_end = datetime.fromisoformat(row["end"])

    # When the meeting is extended by 15 minutes, it ends 15 minutes later
    extended = alexa(device_id=office["room_device"]).intend("ExtendMeetingIntent", {"duration": "PT15M"})
    assert speech(extended).startswith("Done. The meeting now ends at ")
    [row] = bookings(skill_server, office["room"])
    assert datetime.fromisoformat(row["end"]) == first_end + timedelta(minutes=15)

    # When the meeting is ended, the booking is closed
    ended = alexa(device_id=office["room_device"]).intend("EndMeetingIntent")
    assert speech(ended) == "Thanks. Kilimanjaro is free again."
    assert [r["status"] for r in bookings(skill_server, office["room"])] in (["ended"], ["cancelled"])

    # When a room for four is asked for, Denali (the smallest that fits) is offered, and "yes" books it
    finding = alexa(device_id=office["room_device"])
    offered = finding.intend("FindRoomIntent", {"attendees": "4"})
    assert speech(offered) == "Denali is free on floor 3. Shall I book it?"
    done = finding.intend("AMAZON.YesIntent")
    assert speech(done).startswith("Done. Denali is booked at ")
    assert [r["status"] for r in bookings(skill_server, office["other"])] == ["booked"]


def test_personal_device_books_a_named_room_tomorrow_after_confirming(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, office: dict[str, str]
) -> None:
    # Given Erin's own device
    desk = alexa(device_id=office["desk_device"])
    tomorrow = (datetime.now(ZoneInfo(TZ)) + timedelta(days=1)).date()
    slots = {"room": "denali", "date": tomorrow.isoformat(), "startTime": "10:00", "duration": "PT1H"}

    # When she asks to book Denali tomorrow at 10 for an hour
    asked = desk.intend("BookRoomIntent", slots)

    # Then she is asked first, and nothing is booked yet
    assert speech(asked) == "Book Denali tomorrow at 10:00 AM for an hour?"
    assert asked["response"]["directives"][0]["type"] == "Dialog.ConfirmIntent"
    before = [r for r in bookings(skill_server, office["other"]) if r["start"].startswith(tomorrow.isoformat())]
    assert before == []

    # When she confirms, the booking is hers
    done = desk.intend("BookRoomIntent", slots, confirmation="CONFIRMED")
    assert speech(done) == "Done. Denali is booked tomorrow at 10:00 AM, until 11:00 AM."
    [row] = [r for r in bookings(skill_server, office["other"]) if r["start"].startswith(tomorrow.isoformat())]
    assert (row["start"], row["organizer"]) == (f"{tomorrow.isoformat()}T10:00:00+09:00", office["user"])


@pytest.fixture(scope="module")
def more_rooms(skill_server: Any, office: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[Any, Any]:
    """Rooms on floor 9 (ids unique to this run, names no other e2e office uses), each with its own shared device
    whose skill group has booking and not join-meeting: for each locale tested, one to offer (`("offer", locale)`)
    and one to start a meeting in (`("start", locale)`); returned once the server knows them. Erin's desk device
    (`office`) books them."""
    tag = uuid.uuid4().hex[:8]
    rooms = {
        (use, locale): (f"e2e-{name.lower()}-{tag}", name, f"amzn1.ask.device.E2E{name.upper()}{tag.upper()}")
        for (use, locale), name in {
            ("offer", "en-US"): "Tateyama",
            ("offer", "ja-JP"): "Norikura",
            ("start", "en-US"): "Chokai",
            ("start", "ja-JP"): "Gassan",
        }.items()
    }
    fleet = {
        "site": {"name": "E2E HQ", "timezone": TZ, "country": "JP"},
        "rooms": [{"id": rid, "name": name, "floor": 9, "capacity": 6} for rid, name, _ in rooms.values()],
        "skill_groups": [{"id": f"book-only-{tag}", "features": ["booking"]}],
        "devices": [
            {"id": device, "kind": "shared", "room": rid, "skill_group": f"book-only-{tag}"}
            for rid, _, device in rooms.values()
        ],
    }
    path = tmp_path_factory.mktemp("offers") / "fleet.yaml"
    path.write_text(yaml.safe_dump(fleet))
    gassan = intent_request(
        "RoomStatusIntent",
        {"room": "gassan"},
        application_id=skill_server.skill_id,
        device_id=office["desk_device"],
        user_id="amzn1.ask.account.E2EDESK",
    )
    skill_server.apply(path, seen=lambda: "Gassan is" in skill_server.said(gassan))
    return {**rooms, "desk": office["desk_device"]}


OFFERED = {
    "en-US": "{room} is free until {until}. Shall I book it until then, or find another room?",
    "ja-JP": "{room}は{until}まで空いています。それまで予約するか、別の部屋を探しますか?",
}
BUSY_NOW = {"en-US": "{room} is busy now", "ja-JP": "{room}は今使用中です"}
DECLINED = {"en-US": "OK, I haven't booked anything.", "ja-JP": "かしこまりました。予約はしていません。"}


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_a_room_taken_later_is_offered_until_then_yes_books_that_part_and_no_ends_politely(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, more_rooms: dict[Any, Any], locale: str
) -> None:
    room_id, name, device = more_rooms["offer", locale]

    # Given the room booked from Erin's desk for half an hour, from half an hour after this quarter hour
    now = datetime.now(ZoneInfo(TZ))
    taken = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0) + timedelta(minutes=30)
    slots = {"room": name.lower(), "date": taken.date().isoformat(), "startTime": f"{taken:%H:%M}", "duration": "PT30M"}
    alexa(device_id=more_rooms["desk"]).intend("BookRoomIntent", slots, confirmation="CONFIRMED")
    assert [row["start"] for row in bookings(skill_server, room_id)] == [taken.isoformat()]

    # When the room's own device is asked for an hour from now
    room = alexa(device_id=device, locale=locale)
    offered = room.intend("BookRoomIntent", {"duration": "PT1H"})

    # Then the room is offered until the desk booking starts, and the session waits for the answer
    until = clock_words(taken, TZ, locale)
    assert speech(offered) == OFFERED[locale].format(room=name, until=until)
    assert offered["response"]["shouldEndSession"] is False

    # When the answer is yes, the free part is booked, checked in, and the session ends
    done = room.say("yes") if locale == "en-US" else room.intend("AMAZON.YesIntent")
    assert until in speech(done)
    assert done["response"]["shouldEndSession"] is True
    mine = [row for row in bookings(skill_server, room_id) if row["device"] == device]
    assert [(row["end"], row["status"]) for row in mine] == [(taken.isoformat(), "checked_in")]

    # When half an hour is asked for again, the room is busy now and something else is offered
    again = alexa(device_id=device, locale=locale)
    assert speech(again.intend("BookRoomIntent", {"duration": "PT30M"})).startswith(BUSY_NOW[locale].format(room=name))

    # Then "no" ends politely, booking nothing more
    declined = again.say("no") if locale == "en-US" else again.intend("AMAZON.NoIntent")
    assert speech(declined) == DECLINED[locale]
    assert declined["response"]["shouldEndSession"] is True
    assert len(bookings(skill_server, room_id)) == 2


CHECKED_IN = {
    "en-US": "You're checked in. {room} is yours until {until}.",
    "ja-JP": "チェックインしました。{room}は{until}までご利用いただけます。",
}
START = {"en-US": "start the meeting", "ja-JP": "会議を始めて"}


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_starting_the_meeting_on_a_room_device_without_join_meeting_checks_the_booking_in(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, more_rooms: dict[Any, Any], locale: str
) -> None:
    room_id, name, device = more_rooms["start", locale]

    # Given Erin's booking of the room from now, made at her desk and not checked in
    booked = alexa(device_id=more_rooms["desk"]).intend("BookRoomIntent", {"room": name.lower(), "duration": "PT30M"})
    assert speech(booked).startswith(f"Done. {name} is booked")
    [row] = bookings(skill_server, room_id)
    assert row["status"] == "booked"

    # When "start the meeting" is said in the room, whose device may not join calls
    answer = alexa(device_id=device, locale=locale).say(START[locale])

    # Then the booking is checked in, and that is the answer
    until = clock_words(datetime.fromisoformat(row["end"]), TZ, locale)
    assert speech(answer) == CHECKED_IN[locale].format(room=name, until=until)
    assert [row["status"] for row in bookings(skill_server, room_id)] == ["checked_in"]
