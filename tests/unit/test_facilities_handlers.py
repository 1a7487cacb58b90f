"""ReportProblemIntent through the skill's request path, on in-memory fakes: what a room, a lobby and a personal
device hear in both locales, the problem asked for when not said, the room asked for on a personal device, the
device's hourly limit, and what is stored (the cleaned text, the room and site, never the speaker)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fakes import (
    FixedClock,
    InMemoryBookings,
    InMemoryCallLog,
    InMemoryFeeds,
    InMemoryFleetStore,
    InMemoryProblems,
    InMemoryVisits,
)
from support import Conversation, directive, serving, speech

from skill import app
from skill.bootstrap import Container, Services
from skill.config import LOCAL_SKILL_ID, Settings
from skill.domain.fleet import parse_fleet

ROOM = "amzn1.ask.device.FUJI"
LOBBY = "amzn1.ask.device.LOBBY"
DESK = "amzn1.ask.device.DESK"
ALICE = "amzn1.ask.account.ALICE"
OFFICE: dict[str, Any] = {
    "sites": [
        {"id": "tokyo", "name": "Tokyo HQ", "timezone": "Asia/Tokyo", "country": "JP",
         "facilities": [{"email": "fm@example.com"}]},
    ],
    "rooms": [
        {"id": "fuji", "name": "Fuji", "site": "tokyo"},
        {"id": "everest", "name": "Everest", "site": "tokyo"},
        {"id": "lobby", "name": "Lobby", "site": "tokyo", "bookable": False},
    ],
    "skill_groups": [
        {"id": "rooms", "features": ["booking", "facilities"]},
        {"id": "lobby", "features": ["reception", "facilities"]},
        {"id": "desks", "features": ["booking", "facilities"]},
        {"id": "plain", "features": ["booking"]},
    ],
    "devices": [
        {"id": ROOM, "kind": "shared", "room": "fuji", "skill_group": "rooms"},
        {"id": LOBBY, "kind": "shared", "room": "lobby", "skill_group": "lobby"},
        {"id": DESK, "kind": "personal", "user": "alice", "skill_group": "desks"},
        {"id": "amzn1.ask.device.PLAIN", "kind": "shared", "room": "everest", "skill_group": "plain"},
    ],
    "users": [
        {"id": "alice", "name": "Alice Tanaka", "site": "tokyo", "alexa_user_ids": [ALICE],
         "alexa_person_ids": ["amzn1.ask.person.ALICE"]},
    ],
    "limits": {"problems_per_device_per_hour": 2},
}  # fmt: skip


class FakeOffice:
    def __init__(self) -> None:
        self.fleet = InMemoryFleetStore.of(parse_fleet(OFFICE))
        self.problems = InMemoryProblems()
        container = Container(Settings(skill_id=LOCAL_SKILL_ID, table="unused"), clock=FixedClock())
        # The adapters the request path reaches, as in-memory fakes (a Container builds them lazily otherwise).
        container.fleet = self.fleet  # type: ignore[assignment]
        container.problems = self.problems  # type: ignore[assignment]
        container.bookings = InMemoryBookings()  # type: ignore[assignment]
        container.feeds = InMemoryFeeds()  # type: ignore[assignment]
        container.visits = InMemoryVisits()  # type: ignore[assignment]
        container.calls = InMemoryCallLog()  # type: ignore[assignment]
        self.services = Services(container)

    def device(self, device: str, locale: str = "en-US", **options: Any) -> Conversation:
        return Conversation(app.handle_skill_event, device, locale=locale, **options)


@pytest.fixture
def office() -> Iterator[FakeOffice]:
    fake = FakeOffice()
    with serving(fake.services):
        yield fake


def test_a_room_device_reports_for_its_room_and_says_it_back(office):
    # When someone in Fuji says "the projector is broken"
    said = office.device(ROOM, person="amzn1.ask.person.ALICE").say("ReportProblemIntent", problem="projector")
    # Then they hear it was reported, and the session closes
    assert speech(said) == "Thanks, I've reported the problem in Fuji: projector. Facilities will be told."
    assert said["response"]["shouldEndSession"] is True
    [problem] = office.problems.problems.values()
    assert (problem.room, problem.site, problem.problem, problem.status) == ("fuji", "tokyo", "projector", "open")


def test_nothing_about_the_speaker_is_stored_even_when_recognised(office):
    office.device(ROOM, person="amzn1.ask.person.ALICE", user=ALICE).say(
        "ReportProblemIntent", problem="the screen doesn't work"
    )
    [problem] = office.problems.problems.values()
    stored = repr(problem).lower()
    assert "alice" not in stored and "amzn1.ask.device" not in stored and "amzn1.ask.account" not in stored


def test_japanese_is_answered_in_japanese(office):
    said = office.device(ROOM, "ja-JP").say("ReportProblemIntent", problem="プロジェクター")
    assert speech(said) == "Fujiの問題として「プロジェクター」を報告しました。施設担当に連絡します。"


def test_a_problem_not_said_is_asked_for_then_reported(office):
    # Given "report a problem"
    room = office.device(ROOM)
    asked = room.say("ReportProblemIntent")
    # Then the device asks what is wrong, storing nothing yet
    assert directive(asked)["type"] == "Dialog.ElicitSlot" and directive(asked)["slotToElicit"] == "problem"
    assert speech(asked) == "Sure. What's the problem?" and office.problems.problems == {}
    # When the answer comes, it is reported
    done = room.say("ReportProblemIntent", problem="the lights keep flickering")
    assert speech(done).startswith("Thanks, I've reported the problem in Fuji: the lights keep flickering.")
    ja = office.device(ROOM, "ja-JP").say("ReportProblemIntent")
    assert speech(ja) == "どのような問題がありますか?"


def test_hostile_text_is_stored_cleaned_and_a_long_one_is_not_read_back(office):
    said = office.device(ROOM).say("ReportProblemIntent", problem="the\x1b[2J screen\u202e is " + "very " * 30 + "dim")
    assert speech(said) == "Thanks, I've reported the problem in Fuji. Facilities will be told."
    [problem] = office.problems.problems.values()
    assert "\x1b" not in problem.problem and "\u202e" not in problem.problem and problem.problem.startswith("the[2J")
    blank = office.device(ROOM).say("ReportProblemIntent", problem="\u200b\x00")
    assert directive(blank)["slotToElicit"] == "problem" and len(office.problems.problems) == 1


def test_the_devices_hourly_limit_is_a_short_refusal(office):
    room = office.device(ROOM)
    for problem in ("projector", "screen"):
        room.say("ReportProblemIntent", problem=problem)
    refused = office.device(ROOM).say("ReportProblemIntent", problem="chair")
    assert speech(refused) == (
        "This device has reported as many problems as it can this hour. Please contact facilities directly."
    )
    assert len(office.problems.problems) == 2


def test_the_lobby_device_reports_for_the_lobby(office):
    said = office.device(LOBBY).say("ReportProblemIntent", problem="the door is stuck")
    assert speech(said) == "Thanks, I've reported the problem in Lobby: the door is stuck. Facilities will be told."
    assert [p.room for p in office.problems.problems.values()] == ["lobby"]


def test_a_room_device_reports_for_its_own_room_only(office):
    said = office.device(ROOM).say("ReportProblemIntent", room="Everest", problem="projector")
    assert speech(said) == "From this device, I can report problems in Fuji only."
    assert office.problems.problems == {}


def test_a_personal_device_asks_which_room_then_reports_there(office):
    # Given Alice at her desk says "the projector is broken"
    desk = office.device(DESK, user=ALICE)
    asked = desk.say("ReportProblemIntent", problem="projector")
    # Then she is asked which room
    assert directive(asked)["slotToElicit"] == "room" and speech(asked) == "Which room is the problem in?"
    # When she names a room nobody knows, she is asked again
    unknown = desk.say("ReportProblemIntent", problem="projector", room="Narnia")
    assert directive(unknown)["slotToElicit"] == "room"
    assert speech(unknown) == "I don't know a room called Narnia. Which room is the problem in?"
    # When she names Everest, the problem is reported there
    done = desk.say("ReportProblemIntent", problem="projector", room="Everest")
    assert speech(done) == "Thanks, I've reported the problem in Everest: projector. Facilities will be told."
    assert [(p.room, p.site) for p in office.problems.problems.values()] == [("everest", "tokyo")]


def test_a_device_without_the_facilities_feature_cannot_report(office):
    said = office.device("amzn1.ask.device.PLAIN").say("ReportProblemIntent", problem="projector")
    assert speech(said) == "That isn't available on this device."
    assert office.problems.problems == {}
