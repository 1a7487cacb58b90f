"""Reception through the Lambda handler path against moto's DynamoDB: the lobby check-in dialog (missing
slots, disambiguation, confirm and deny, expected visitor), check-out by a visitor's whole name, and expecting
a visitor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import FixedClock
from support import Conversation, apply_entities, directive, speech

from skill.domain.model import User

LOBBY = "amzn1.ask.device.TESTLOBBY"
ROOM = "amzn1.ask.device.TESTROOM"
DESK = "amzn1.ask.device.TESTDESK"
VISITOR = "amzn1.ask.account.VISITOR"
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo


@pytest.fixture
def lobby(invoke, container) -> Conversation:  # type: ignore[no-untyped-def]
    container.clock = FixedClock()
    return Conversation(invoke, LOBBY, user=VISITOR)


def test_full_dialog_asks_for_what_is_missing_then_confirms_and_checks_in(lobby, container):
    # Given a visitor who only says "check in a visitor"
    first = lobby.say("VisitorCheckInIntent")
    # Then the lobby asks for the name
    assert directive(first)["type"] == "Dialog.ElicitSlot" and directive(first)["slotToElicit"] == "visitorName"
    assert "What's your name?" in speech(first)
    # When they give it, the lobby asks whom they are visiting
    second = lobby.say("VisitorCheckInIntent", visitorName="Ken Sato", company="Acme")
    assert directive(second)["slotToElicit"] == "host"
    assert "Who are you here to see?" in speech(second)
    # When they name the host, the lobby reads it all back for confirmation
    third = lobby.say("VisitorCheckInIntent", visitorName="Ken Sato", company="Acme", host="Alice")
    assert directive(third)["type"] == "Dialog.ConfirmIntent"
    assert speech(third) == "Ken Sato from Acme, here to see Alice Tanaka. Is that right?"
    assert container.visits.on_site() == []
    # When they confirm, they are checked in and the session closes
    done = lobby.say("VisitorCheckInIntent", "CONFIRMED", visitorName="Ken Sato", company="Acme", host="Alice Tanaka")
    assert speech(done) == "Thanks, Ken. Alice knows you're here."
    assert done["response"]["shouldEndSession"] is True
    [visit] = container.visits.on_site()
    assert (visit.visitor_name, visit.company, visit.host_id, visit.device) == ("Ken Sato", "Acme", "alice", LOBBY)
    assert visit.request_id and visit.request_id.startswith("amzn1.echo-api.request.")


def test_an_ambiguous_host_is_narrowed_to_two_names_and_the_answer_picks(lobby, container):
    # Given two employees called Alice
    apply_entities(container.fleet, User(id="alicec", name="Alice Chen", email="achen@example.com"))
    # When a visitor asks for "Alice"
    asked = lobby.say("VisitorCheckInIntent", visitorName="Ken Sato", host="Alice")
    # Then the lobby offers exactly those two names and nothing else
    assert directive(asked)["slotToElicit"] == "host"
    assert speech(asked) in ("Alice Tanaka or Alice Chen?", "Alice Chen or Alice Tanaka?")
    # When the visitor says "Chen", the confirmation names Alice Chen
    confirm = lobby.say("VisitorCheckInIntent", visitorName="Ken Sato", host="Chen")
    assert speech(confirm) == "Ken Sato, here to see Alice Chen. Is that right?"
    lobby.say("VisitorCheckInIntent", "CONFIRMED", visitorName="Ken Sato", host="Alice Chen")
    assert [v.host_id for v in container.visits.on_site()] == ["alicec"]


def test_an_unknown_host_is_asked_again_without_saying_whether_they_work_here(lobby, container):
    answer = lobby.say("VisitorCheckInIntent", visitorName="Ken Sato", host="Zebediah Quux")
    assert directive(answer)["slotToElicit"] == "host"
    assert "couldn't match that name" in speech(answer)
    assert "work" not in speech(answer) and "@" not in speech(answer)
    assert container.visits.on_site() == []


def test_a_denied_confirmation_starts_again_and_writes_nothing(lobby, container):
    lobby.say("VisitorCheckInIntent", visitorName="Ken Sato", host="Alice")
    denied = lobby.say("VisitorCheckInIntent", "DENIED", visitorName="Ken Sato", host="Alice Tanaka")
    assert speech(denied) == "Let's start again. What's your name?"
    assert directive(denied)["slotToElicit"] == "visitorName"
    assert not any(s.get("value") for s in directive(denied)["updatedIntent"]["slots"].values())
    assert container.visits.on_site() == []


def test_an_expected_visitor_is_greeted_by_name(lobby, container, services):
    # Given Alice announced Ken for 10:30 today
    alice = container.fleet.get_user("alice")
    site = container.fleet.load_fleet().site
    services.reception.expect(alice, "Ken Sato", "Acme", NOW + timedelta(minutes=30), site)
    # When Ken checks in (his name heard a little differently)
    lobby.say("VisitorCheckInIntent", visitorName="ken sato", host="Alice")
    done = lobby.say("VisitorCheckInIntent", "CONFIRMED", visitorName="ken sato", host="Alice Tanaka")
    # Then he is welcomed, and the visit is linked to the announcement (with its company)
    assert speech(done) == "Welcome, ken. Alice knows you're here."
    [visit] = container.visits.on_site()
    assert visit.expected_id is not None and visit.company == "Acme"


def check_in(lobby: Conversation, *names: str) -> None:
    for name in names:
        lobby.attributes = {}
        lobby.say("VisitorCheckInIntent", visitorName=name, host="Alice")
        lobby.say("VisitorCheckInIntent", "CONFIRMED", visitorName=name, host="Alice Tanaka")
    lobby.attributes = {}


def test_check_out_asks_for_the_whole_name_then_confirms_it_as_said(lobby, container):
    # Given Ken Sato and Mia Wong on site
    check_in(lobby, "Ken Sato", "Mia Wong")

    # When a visitor says "I'm leaving", then their name, then yes
    who = lobby.say("VisitorCheckOutIntent")
    question = lobby.say("VisitorCheckOutIntent", visitorName="sato ken")
    on_site_while_asked = sorted(v.visitor_name for v in container.visits.on_site())
    bye = lobby.say("VisitorCheckOutIntent", "CONFIRMED", visitorName="sato ken")

    # Then the lobby asks for the full name, confirms it in the words said, and only then checks Ken out
    assert directive(who)["slotToElicit"] == "visitorName" and speech(who) == "Sure. What's your full name?"
    assert directive(question)["type"] == "Dialog.ConfirmIntent" and speech(question) == "Check out sato ken?"
    assert on_site_while_asked == ["Ken Sato", "Mia Wong"]
    assert speech(bye) == "Goodbye, sato. Thanks for visiting."
    assert [v.visitor_name for v in container.visits.on_site()] == ["Mia Wong"]


def test_no_at_check_out_changes_nothing(lobby, container):
    check_in(lobby, "Ken Sato")
    lobby.say("VisitorCheckOutIntent", visitorName="Ken Sato")
    assert speech(lobby.say("VisitorCheckOutIntent", "DENIED", visitorName="Ken Sato")) == "Okay, nothing changed."
    assert [v.visitor_name for v in container.visits.on_site()] == ["Ken Sato"]


def test_part_of_a_name_is_asked_again_once_then_nothing_changes(lobby, container):
    # Given Johanna Smith on site
    check_in(lobby, "Johanna Smith")

    # When someone says "check out Smith", then "Johanna"
    surname = lobby.say("VisitorCheckOutIntent", visitorName="Smith")
    given = lobby.say("VisitorCheckOutIntent", visitorName="Johanna")

    # Then the lobby asks for the full name without saying any, then gives up, and she is still on site
    assert directive(surname)["slotToElicit"] == "visitorName"
    assert speech(surname) == "Please say your full name, as you gave it when you checked in."
    assert speech(given) == "I couldn't find a visit under that name, so nothing changed."
    assert [v.visitor_name for v in container.visits.on_site()] == ["Johanna Smith"]


def test_two_visitors_sharing_a_surname_each_leave_by_their_own_name(lobby, container):
    # Given Johanna Smith and John Smith on site
    check_in(lobby, "Johanna Smith", "John Smith")

    # When "Smith" is said, then "John Smith", and John confirms
    surname = lobby.say("VisitorCheckOutIntent", visitorName="Smith")
    question = lobby.say("VisitorCheckOutIntent", visitorName="John Smith")
    lobby.say("VisitorCheckOutIntent", "CONFIRMED", visitorName="John Smith")

    # Then "Smith" alone named nobody, the question named only John, and only John left
    assert "Johanna" not in speech(surname) and "John" not in speech(surname)
    assert speech(question) == "Check out John Smith?"
    assert [v.visitor_name for v in container.visits.on_site()] == ["Johanna Smith"]


def test_reception_intents_are_refused_on_a_meeting_room_device(invoke, container):
    room = Conversation(invoke, ROOM, user=VISITOR)
    assert speech(room.say("VisitorCheckInIntent", visitorName="Ken", host="Alice")) == (
        "That isn't available on this device."
    )


def test_expect_a_visitor_from_a_personal_device(invoke, container):
    container.clock = FixedClock()
    desk = Conversation(invoke, DESK, user=VISITOR)
    # Missing time is asked for
    asked = desk.say("ExpectVisitorIntent", visitorName="Ken Sato", date="2026-12-02")
    assert directive(asked)["slotToElicit"] == "startTime"
    confirm = desk.say("ExpectVisitorIntent", visitorName="Ken Sato", date="2026-12-02", startTime="10:00")
    assert speech(confirm) == "I'll expect Ken Sato on Wednesday, December 2 at 10:00 AM. Is that right?"
    done = desk.say("ExpectVisitorIntent", "CONFIRMED", visitorName="Ken Sato", date="2026-12-02", startTime="10:00")
    assert speech(done) == "Done. Reception will greet Ken by name."
    [expected] = container.visits.expected_on(datetime(2026, 12, 2).date())
    assert (expected.visitor_name, expected.host_id) == ("Ken Sato", "alice")
    assert expected.expected_at == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def test_expecting_a_visitor_is_for_personal_devices_only(lobby, container):
    answer = lobby.say("ExpectVisitorIntent", visitorName="Ken Sato", date="2026-12-02", startTime="10:00")
    assert speech(answer) == "You can register visitors from your own device."
    assert container.visits.expected_on(datetime(2026, 12, 2).date()) == []
