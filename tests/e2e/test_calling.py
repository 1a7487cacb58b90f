"""Calling end to end: `office-skill serve` spoken to through virtual-alexa, on a small office of its own.

A room's shared device (the room has a speakerphone) and a personal device call colleagues by name,
after Alexa's intent confirmation; two close names are asked back; numbers are dialled from the personal
device and refused on the shared one; emergency numbers are never dialled; "join the meeting" dials the
dial-in of the meeting happening now on the room's calendar feed. The local dialer prints one line per
call on the server's stdout, and every attempt is in `office-admin calls list`.

virtual-alexa matches a custom slot only against the values written in the model (it knows nothing of
the dynamic entities the skill sends), so names from this office go in with `intend()`, as Alexa would
send them; numbers and "join the meeting" are said.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from icalendar import Calendar, Event

pytestmark = pytest.mark.e2e

Speech = Callable[[dict[str, Any]], str]
TZ = "Asia/Tokyo"
DIALER_LINE_SECONDS = 5.0
ZOOM_INVITE = Path(__file__).resolve().parents[1] / "fixtures" / "invites" / "zoom-en-us.txt"
ZOOM_JAPAN_NUMBER = "+81345781488"
ZOOM_MEETING_ID = "85012345678"
ZOOM_PIN = "552913"


@pytest.fixture(scope="module")
def office(skill_server: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A room with a phone and a calendar feed holding a Zoom meeting happening now, its shared device,
    Priya's personal device, and three colleagues to call (two of them named Ingrid)."""
    tag = uuid.uuid4().hex[:8]
    folder = tmp_path_factory.mktemp("calling")
    feed = folder / "room.ics"
    feed.write_bytes(_meeting_now_feed(ZOOM_INVITE.read_text(encoding="utf-8")))
    ids = {
        "room": f"e2e-call-room-{tag}",
        "room_device": f"amzn1.ask.device.E2ECALLROOM{tag.upper()}",
        "desk_device": f"amzn1.ask.device.E2ECALLDESK{tag.upper()}",
        "priya": f"e2e-priya-{tag}",
        "oskar": f"e2e-oskar-{tag}",
        "ingrid_s": f"e2e-ingrid-s-{tag}",
        "ingrid_h": f"e2e-ingrid-h-{tag}",
    }
    fleet = {
        "site": {"name": "E2E HQ", "timezone": TZ, "country": "JP"},
        "rooms": [
            {
                "id": ids["room"],
                "name": "Matterhorn",
                "floor": 4,
                "capacity": 6,
                "phone": "+81 3-1234-0044",
                "calendar": str(feed),
            }
        ],
        "skill_groups": [{"id": f"calls-{tag}", "features": ["booking", "calling", "join-meeting"]}],
        "devices": [
            {"id": ids["room_device"], "kind": "shared", "room": ids["room"], "skill_group": f"calls-{tag}"},
            {"id": ids["desk_device"], "kind": "personal", "user": ids["priya"]},
        ],
        "users": [
            {"id": ids["priya"], "name": "Priya Raman", "phones": {"mobile": "+81 90-4444-0001"}},
            {"id": ids["oskar"], "name": "Oskar Lindqvist", "phones": {"mobile": "+81 90-4444-0002"}},
            {"id": ids["ingrid_s"], "name": "Ingrid Solberg", "phones": {"mobile": "+81 90-4444-0003"}},
            {"id": ids["ingrid_h"], "name": "Ingrid Halvorsen", "phones": {"office": "+81 3-4444-0004"}},
        ],
        "calling": {"shared_may_call": ["employees", "contacts"], "blocked_prefixes": ["+1900"]},
    }
    path = folder / "fleet.yaml"
    path.write_text(yaml.safe_dump(fleet))
    skill_server.apply(path, seen=lambda: "Matterhorn" in skill_server.launch_speech(ids["room_device"]))
    refreshed = skill_server.admin("calendars", "refresh", "--room", ids["room"])
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    return ids


def _meeting_now_feed(description: str) -> bytes:
    """An iCalendar feed with one event that started five minutes ago, its invitation in DESCRIPTION."""
    now = datetime.now(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", "-//office-assistant e2e//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"{uuid.uuid4()}@e2e.example")
    event.add("dtstamp", now)
    event.add("dtstart", now - timedelta(minutes=5))
    event.add("dtend", now + timedelta(minutes=55))
    event.add("summary", "Q3 roadmap review")
    event.add("description", description)
    calendar.add_component(event)
    return calendar.to_ical()


def calls(skill_server: Any) -> list[dict[str, Any]]:
    listed = skill_server.admin("calls", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows: list[dict[str, Any]] = json.loads(listed.stdout)
    return rows


def calls_from(skill_server: Any, device_id: str) -> list[dict[str, Any]]:
    return [row for row in calls(skill_server) if row["device"] == device_id]


def dialer_line(skill_server: Any, call_id: str) -> str:
    """The local dialer's line for `call_id` on the server's stdout (it may take a moment to be read)."""
    deadline = time.monotonic() + DIALER_LINE_SECONDS
    while time.monotonic() < deadline:
        found = [line for line in skill_server.stdout_lines if line.startswith(f"[dialer] call {call_id}:")]
        if found:
            return found[0]
        time.sleep(0.1)
    pytest.fail(f"no dialer line for call {call_id} on the server's stdout")


def directive_types(envelope: dict[str, Any]) -> list[str]:
    return [d["type"] for d in envelope["response"].get("directives", [])]


def test_shared_room_device_calls_a_colleague_by_name_after_confirming(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, office: dict[str, str]
) -> None:
    # Given the room's own device
    room = alexa(device_id=office["room_device"])

    # When someone asks it to call Oskar (by first name)
    asked = room.intend("CallContactIntent", {"contact": "Oskar"})

    # Then Alexa asks first, naming him and never his number, and nothing is dialled yet
    assert speech(asked) == "Call Oskar Lindqvist's mobile?"
    assert directive_types(asked) == ["Dialog.ConfirmIntent"]
    assert calls_from(skill_server, office["room_device"]) == []

    # When the call is confirmed
    placed = room.intend("CallContactIntent", {"contact": "Oskar Lindqvist"}, confirmation="CONFIRMED")

    # Then the room phone rings first, the call is in the log, and the local dialer placed it
    assert speech(placed) == "Calling Oskar Lindqvist. The room phone will ring first."
    assert placed["response"]["shouldEndSession"] is True
    [row] = calls_from(skill_server, office["room_device"])
    assert (row["contact"], row["to"], row["provider"]) == (f"user:{office['oskar']}", "+819044440002", "local")
    assert row["status"] == "placing"
    line = dialer_line(skill_server, row["id"])
    assert "44, then " in line and line.endswith("02") and "with meeting digits" not in line


def test_personal_device_asks_which_of_two_close_names_then_calls_the_one_chosen(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, office: dict[str, str]
) -> None:
    # Given Priya's own device and two colleagues called Ingrid
    desk = alexa(device_id=office["desk_device"])

    # When she asks to call Ingrid
    asked = desk.intend("CallContactIntent", {"contact": "Ingrid"})

    # Then Alexa asks which one, naming exactly the two
    assert speech(asked) in ("Ingrid Solberg or Ingrid Halvorsen?", "Ingrid Halvorsen or Ingrid Solberg?")
    assert directive_types(asked) == ["Dialog.ElicitSlot"]

    # When she answers with the second name, she is asked to confirm that one
    confirm = desk.intend("CallContactIntent", {"contact": "Ingrid Halvorsen"})
    assert speech(confirm) == "Call Ingrid Halvorsen's office phone?"
    assert calls_from(skill_server, office["desk_device"]) == []

    # When she confirms, her own phone rings first and Ingrid Halvorsen's office phone is dialled
    placed = desk.intend("CallContactIntent", {"contact": "Ingrid Halvorsen"}, confirmation="CONFIRMED")
    assert speech(placed) == "Calling Ingrid Halvorsen. Your phone will ring first, then I'll connect you."
    [row] = calls_from(skill_server, office["desk_device"])
    assert (row["contact"], row["to"], row["provider"]) == (f"user:{office['ingrid_h']}", "+81344440004", "local")
    line = dialer_line(skill_server, row["id"])
    assert "01, then " in line and line.endswith("04")


def test_a_denied_call_is_not_placed(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, office: dict[str, str]
) -> None:
    # Given a room device asked to call Oskar
    room = alexa(device_id=office["room_device"])
    before = {row["id"] for row in calls(skill_server)}
    assert speech(room.intend("CallContactIntent", {"contact": "Oskar Lindqvist"})) == "Call Oskar Lindqvist's mobile?"

    # When the question is answered no
    denied = room.intend("CallContactIntent", {"contact": "Oskar Lindqvist"}, confirmation="DENIED")

    # Then nothing is dialled and the call log is unchanged
    assert speech(denied) == "OK, I won't call."
    assert {row["id"] for row in calls(skill_server)} == before


def test_personal_device_dials_a_number_it_reads_back(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, office: dict[str, str]
) -> None:
    # Given Priya's own device
    desk = alexa(device_id=office["desk_device"])
    before = {row["id"] for row in calls(skill_server)}

    # When she asks to dial a national number
    asked = desk.say("dial 0312345678")

    # Then the number is read back in international form before anything is dialled
    assert speech(asked) == "Call +81312345678?"
    assert directive_types(asked) == ["Dialog.ConfirmIntent"]
    assert {row["id"] for row in calls(skill_server)} == before

    # When she confirms, the number is dialled
    placed = desk.intend("DialNumberIntent", {"phoneNumber": "0312345678"}, confirmation="CONFIRMED")
    assert speech(placed) == "Calling +81312345678. Your phone will ring first."
    [row] = [row for row in calls(skill_server) if row["id"] not in before]
    assert (row["to"], row["contact"], row["provider"]) == ("+81312345678", None, "local")
    assert dialer_line(skill_server, row["id"]).endswith("78")


def test_shared_device_may_not_dial_numbers_and_never_speaks_them(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, office: dict[str, str]
) -> None:
    # Given a site whose shared devices may call employees and contacts only
    room = alexa(device_id=office["room_device"])
    before = {row["id"] for row in calls(skill_server)}

    # When the room device is asked to dial a number
    refused = room.say("dial 0312345678")

    # Then it refuses, points to a phone, and no digits are spoken
    said = speech(refused)
    assert said == "Dialling numbers isn't allowed from here. You can dial it from your own phone."
    assert not any(char.isdigit() for char in said)

    # And the attempt is logged as refused, and the dialer never saw it
    [row] = [row for row in calls(skill_server) if row["id"] not in before]
    assert (row["status"], row["device"]) == ("refused", office["room_device"])
    assert not any(row["id"] in line for line in skill_server.stdout_lines)


@pytest.mark.parametrize("number", ["110", "911"])
def test_an_emergency_number_is_refused_with_use_a_phone(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, office: dict[str, str], number: str
) -> None:
    # Given Priya's own device, which may otherwise dial any number
    desk = alexa(device_id=office["desk_device"])
    before = {row["id"] for row in calls(skill_server)}

    # When she asks to dial an emergency number
    refused = desk.say(f"dial {number}")

    # Then she is told to use a phone; the attempt is logged as refused and the dialer never saw it
    assert speech(refused) == "I can't call emergency services. Please use a phone."
    [row] = [row for row in calls(skill_server) if row["id"] not in before]
    assert (row["status"], row["to"]) == ("refused", number)
    assert not any(row["id"] in line for line in skill_server.stdout_lines)


def test_shared_room_device_joins_the_meeting_on_its_calendar_without_speaking_the_pin(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, office: dict[str, str]
) -> None:
    # Given the room's calendar feed holds a Zoom meeting happening now, with a Japanese dial-in
    room = alexa(device_id=office["room_device"])
    before = {row["id"] for row in calls(skill_server)}

    # When someone in the room says "join the meeting"
    asked = room.say("join the meeting")

    # Then, on the room's shared device, Alexa asks first, by the meeting's start time, and dials nothing
    assert re.fullmatch(r"Join the \d{1,2}:\d\d [AP]M meeting\?", speech(asked)), speech(asked)
    assert directive_types(asked) == ["Dialog.ConfirmIntent"]
    assert {row["id"] for row in calls(skill_server)} == before

    # When the question is answered yes
    joined = room.intend("JoinMeetingIntent", {}, confirmation="CONFIRMED")

    # Then the room phone dials the Japanese Zoom number with the meeting's digits
    said = speech(joined)
    assert said == "Joining the meeting. The room phone will ring first."
    [row] = [row for row in calls(skill_server) if row["id"] not in before]
    assert (row["to"], row["device"], row["provider"]) == (ZOOM_JAPAN_NUMBER, office["room_device"], "local")
    assert dialer_line(skill_server, row["id"]).endswith("88 with meeting digits")

    # And neither the meeting ID nor the PIN was spoken
    assert ZOOM_PIN not in said and ZOOM_MEETING_ID not in said
