"""Meeting rooms through the Lambda handler's request path with real envelopes, on moto's DynamoDB.

The test office (tests/fixtures/office.yaml, Asia/Tokyo): Fuji (floor 5, 8 seats, video and whiteboard) with
the shared device TESTROOM, Everest (floor 5, 4 seats), the lobby (not bookable), Alice's desk device TESTDESK.
The clock stands at 10:00 in Tokyo on 1 December 2026.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fakes import FixedClock
from support import Conversation, directive, speech

from skill.bootstrap import Container
from skill.domain.model import Booking, BookingStatus, BusyInterval

ROOM = "amzn1.ask.device.TESTROOM"
DESK = "amzn1.ask.device.TESTDESK"
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
TODAY = date(2026, 12, 1)
TZ = "Asia/Tokyo"


def ended(response: dict[str, Any]) -> bool:
    return bool(response["response"].get("shouldEndSession"))


def tokyo(hour: int, minute: int = 0, day: date = TODAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=9)


def bookings(container: Container, room: str = "fuji") -> list[Booking]:
    return container.bookings.list_bookings(room, NOW - timedelta(days=1), NOW + timedelta(days=3), TZ)


def feed_busy(container: Container, start: datetime, end: datetime, subject: str = "Budget review") -> None:
    busy = BusyInterval(start, end, "feed", "evt-1", subject=subject, organizer="alice@example.com")
    container.bookings.replace_feed_busy("fuji", TODAY, [busy], NOW, "digest-1")


@pytest.fixture
def clock(container: Container) -> FixedClock:
    container.clock = FixedClock()  # type: ignore[assignment]
    return container.clock  # type: ignore[return-value]


@pytest.fixture
def room(invoke: Any, clock: FixedClock) -> Conversation:
    return Conversation(invoke, ROOM)


@pytest.fixture
def desk(invoke: Any, clock: FixedClock) -> Conversation:
    return Conversation(invoke, DESK, user="amzn1.ask.account.TESTALICE")


def test_status_of_a_free_room_and_of_a_busy_one_without_the_subject(room: Conversation, container: Container) -> None:
    # Given Fuji with nothing booked
    # When the room is asked whether it is free
    free = room.say("RoomStatusIntent", room="this room")
    # Then it is free for the rest of the day
    assert speech(free) == "Fuji is free for the rest of the day."
    # Given a calendar meeting from 10:00 to 11:00
    feed_busy(container, tokyo(10), tokyo(11))
    # When asked again
    busy = room.say("RoomStatusIntent")
    # Then the room is busy until 11, and the subject is not spoken on the shared device
    assert speech(busy) == "Fuji is busy until 11:00 AM."
    assert ended(busy)


def test_an_echo_show_in_the_room_gets_the_room_card_with_times_only(
    invoke: Any, event: Any, clock: FixedClock, container: Container
) -> None:
    # Given a calendar meeting in Fuji from 11:00 to 12:00, with a subject and an organizer
    feed_busy(container, tokyo(11), tokyo(12))
    # When the room's Echo Show asks whether the room is free
    answer = invoke(event("room_status_free.json"))
    # Then the answer is spoken and the room card is shown: free until 11, next booking at 11, nobody named
    assert speech(answer) == "Fuji is free until 11:00 AM."
    card = directive(answer)
    assert card["type"] == "Alexa.Presentation.APL.RenderDocument"
    assert card["datasources"]["payload"]["room"] == {
        "name": "Fuji",
        "state": "Free",
        "until": "until 11:00 AM",
        "next": "Next booking at 11:00 AM",
        "busy": False,
    }
    assert "Budget review" not in str(card) and "alice" not in str(card)


def test_an_echo_show_sending_its_whole_context_gets_the_same_answer_and_card(
    invoke: Any, event: Any, clock: FixedClock, container: Container
) -> None:
    # Given a calendar meeting in Fuji at 11, and the status request as an Echo Show sends it: audio player
    # state, viewports, extensions and every interface it supports
    feed_busy(container, tokyo(11), tokyo(12))
    envelope = event("room_status_free.json")
    envelope["context"].update(
        AudioPlayer={"playerActivity": "IDLE"},
        Viewport={"mode": "HUB", "shape": "RECTANGLE", "pixelWidth": 1280, "pixelHeight": 800, "dpi": 160},
        Viewports=[{"type": "APL", "id": "main", "shape": "RECTANGLE", "dpi": 160, "presentationType": "STANDARD"}],
        Extensions={"available": {"aplext:backstack:10": {}}},
    )
    envelope["context"]["System"]["device"]["supportedInterfaces"].update(
        AudioPlayer={}, Display={"templateVersion": "1.0", "markupVersion": "1.0"}
    )
    sent = json.dumps(envelope)
    # When it asks whether the room is free
    answer = invoke(envelope)
    # Then it hears the answer with the room card, and the event is left as it came
    assert speech(answer) == "Fuji is free until 11:00 AM."
    assert directive(answer)["type"] == "Alexa.Presentation.APL.RenderDocument"
    assert json.dumps(envelope) == sent


def test_a_device_without_a_screen_gets_no_room_card(invoke: Any, event: Any, clock: FixedClock) -> None:
    # Given the same request from a device that does not declare APL
    envelope = event("room_status_free.json")
    envelope["context"]["System"]["device"]["supportedInterfaces"] = {}
    # When it asks whether the room is free
    answer = invoke(envelope)
    # Then it hears the answer and gets no directive
    assert speech(answer) == "Fuji is free for the rest of the day."
    assert answer["response"].get("directives") in (None, [])


def test_status_of_a_named_room_is_found_by_a_misheard_name(desk: Conversation, container: Container) -> None:
    # Given a calendar meeting in Fuji at 11
    feed_busy(container, tokyo(11), tokyo(12))
    # When Alice asks from her desk about "fugi"
    answer = desk.say("RoomStatusIntent", room="fugi")
    # Then Fuji is free until 11
    assert speech(answer) == "Fuji is free until 11:00 AM."


def test_an_unknown_room_is_answered(desk: Conversation) -> None:
    assert speech(desk.say("RoomStatusIntent", room="Narnia")) == "I don't know a room called Narnia."


def test_book_this_room_now_for_thirty_minutes_is_done_and_checked_in(
    invoke: Any, event: Any, clock: FixedClock, container: Container
) -> None:
    # When the room device is asked to book the room for 30 minutes
    answer = invoke(event("room_book_now.json"))
    # Then it is booked at once, the session ends, and the meeting counts as checked in
    assert speech(answer) == "Done. Fuji is booked at 10:00 AM, until 10:30 AM."
    assert ended(answer)
    [booking] = bookings(container)
    assert (booking.start, booking.end, booking.status) == (tokyo(10), tokyo(10, 30), BookingStatus.CHECKED_IN)
    assert booking.device == ROOM


def test_missing_duration_is_asked_for(room: Conversation, container: Container) -> None:
    answer = room.say("BookRoomIntent")
    assert directive(answer)["type"] == "Dialog.ElicitSlot"
    assert directive(answer)["slotToElicit"] == "duration"
    assert speech(answer) == "For how long?"
    assert bookings(container) == []


def test_a_later_booking_is_confirmed_first_and_a_denial_changes_nothing(
    desk: Conversation, container: Container
) -> None:
    slots = {"room": "Fuji", "date": "2026-12-02", "startTime": "10:00", "duration": "PT1H"}
    # When Alice asks to book Fuji tomorrow at 10 for an hour
    asked = desk.say("BookRoomIntent", **slots)
    # Then she is asked to confirm, and nothing is booked yet
    assert directive(asked)["type"] == "Dialog.ConfirmIntent"
    assert speech(asked) == "Book Fuji tomorrow at 10:00 AM for an hour?"
    assert bookings(container) == []
    # When she says no, nothing is booked
    denied = desk.say("BookRoomIntent", "DENIED", **slots)
    assert speech(denied) == "OK, I haven't booked anything."
    assert bookings(container) == []
    # When she confirms, the booking is hers
    done = desk.say("BookRoomIntent", "CONFIRMED", **slots)
    assert speech(done) == "Done. Fuji is booked tomorrow at 10:00 AM, until 11:00 AM."
    [booking] = bookings(container)
    tomorrow = TODAY + timedelta(days=1)
    assert (booking.start, booking.end) == (tokyo(10, day=tomorrow), tokyo(11, day=tomorrow))
    assert (booking.organizer, booking.status) == ("alice", BookingStatus.BOOKED)


def reprompt(response: dict[str, Any]) -> str:
    return re.sub(r"<[^>]+>", "", response["response"]["reprompt"]["outputSpeech"]["ssml"])


def test_a_room_free_now_but_taken_later_offers_the_free_part_and_yes_books_it(
    room: Conversation, container: Container
) -> None:
    # Given a calendar meeting in Fuji from 10:30
    feed_busy(container, tokyo(10, 30), tokyo(11, 30))

    # When the room is asked for an hour from now
    offered = room.say("BookRoomIntent", "CONFIRMED", duration="PT1H")

    # Then Fuji is offered until then, as a question that stays open and is asked again if unanswered
    assert speech(offered) == "Fuji is free until 10:30 AM. Shall I book it until then, or find another room?"
    assert not ended(offered)
    assert reprompt(offered) == "Shall I book Fuji until 10:30 AM, or find another room?"
    assert bookings(container) == []

    # When the answer is yes, the free part is booked and the conversation ends
    done = room.say("AMAZON.YesIntent")
    assert speech(done) == "Done. Fuji is booked at 10:00 AM, until 10:30 AM."
    assert ended(done)
    [booking] = bookings(container)
    assert (booking.start, booking.end, booking.status) == (tokyo(10), tokyo(10, 30), BookingStatus.CHECKED_IN)


def test_no_to_an_offer_ends_politely_and_books_nothing(room: Conversation, container: Container) -> None:
    # Given Fuji offered until 10:30 for an hour asked from now
    feed_busy(container, tokyo(10, 30), tokyo(11, 30))
    room.say("BookRoomIntent", "CONFIRMED", duration="PT1H")

    # When the answer is no
    declined = room.say("AMAZON.NoIntent")

    # Then nothing is booked and the session ends
    assert speech(declined) == "OK, I haven't booked anything."
    assert ended(declined)
    assert bookings(container) == [] and bookings(container, "everest") == []


def test_find_another_room_in_answer_to_an_offer_searches_the_whole_time_asked(
    room: Conversation, container: Container
) -> None:
    # Given Fuji offered until 10:30 for an hour asked from now
    feed_busy(container, tokyo(10, 30), tokyo(11, 30))
    room.say("BookRoomIntent", "CONFIRMED", duration="PT1H")

    # When the answer is "find another room", then yes
    other = room.say("FindRoomIntent")
    assert speech(other) == "Everest is free on floor 5. Shall I book it?"
    done = room.say("AMAZON.YesIntent")

    # Then Everest is booked for the whole hour, and Fuji not at all
    assert speech(done) == "Done. Everest is booked at 10:00 AM, until 11:00 AM."
    [booking] = bookings(container, "everest")
    assert (booking.start, booking.end) == (tokyo(10), tokyo(11))
    assert bookings(container) == []


def test_a_room_busy_now_offers_its_next_free_slot_of_the_length_asked(
    room: Conversation, desk: Conversation, container: Container
) -> None:
    # Given Alice's desk booking of Fuji until 10:30, and a calendar meeting there 10:30-10:45
    desk.say("BookRoomIntent", room="Fuji", duration="PT30M")
    feed_busy(container, tokyo(10, 30), tokyo(10, 45))

    # When the room is asked for half an hour now
    offered = room.say("BookRoomIntent", duration="PT30M")

    # Then Fuji is offered from 10:45, or another room
    assert speech(offered) == "Fuji is busy now. Shall I book it from 10:45 AM, or find another room?"
    assert reprompt(offered) == "Shall I book Fuji from 10:45 AM, or find another room?"

    # When the answer is yes, 10:45 to 11:15 is booked
    done = room.say("AMAZON.YesIntent")
    assert speech(done) == "Done. Fuji is booked at 10:45 AM, until 11:15 AM."
    assert [(b.start, b.end) for b in bookings(container) if b.organizer is None] == [(tokyo(10, 45), tokyo(11, 15))]


def test_a_later_booking_taken_then_offers_the_room_from_its_next_free_time(
    desk: Conversation, container: Container
) -> None:
    # Given Fuji booked tomorrow 10:00-10:30
    slots = {"room": "Fuji", "date": "2026-12-02", "startTime": "10:00", "duration": "PT1H"}
    Conversation(desk.invoke, ROOM).say("BookRoomIntent", "CONFIRMED", **{**slots, "duration": "PT30M"})

    # When Alice asks for Fuji tomorrow at 10 for an hour
    offered = desk.say("BookRoomIntent", **slots)

    # Then Fuji is offered from 10:30 for the hour, before anything is confirmed
    assert speech(offered) == "Fuji is taken then. Shall I book it from 10:30 AM, or find another room?"
    done = desk.say("AMAZON.YesIntent")
    assert speech(done) == "Done. Fuji is booked tomorrow at 10:30 AM, until 11:30 AM."
    tomorrow = TODAY + timedelta(days=1)
    mine = [(b.start, b.end) for b in bookings(container) if b.organizer == "alice"]
    assert mine == [(tokyo(10, 30, day=tomorrow), tokyo(11, 30, day=tomorrow))]


def test_a_room_taken_for_the_rest_of_the_day_offers_another_room(room: Conversation, container: Container) -> None:
    # Given Fuji busy from now to midnight
    feed_busy(container, tokyo(9), tokyo(23, 59))

    # When the room is asked for half an hour now
    offered = room.say("BookRoomIntent", duration="PT30M")

    # Then Everest, free now, is offered instead, and yes books it
    assert speech(offered) == "Fuji is busy now, but Everest is free on floor 5. Shall I book it?"
    assert reprompt(offered) == "Shall I book Everest?"
    assert speech(room.say("AMAZON.YesIntent")) == "Done. Everest is booked at 10:00 AM, until 10:30 AM."


def test_find_with_nothing_free_offers_the_nearest_time_a_room_is(
    room: Conversation, desk: Conversation, container: Container
) -> None:
    # Given Fuji busy all day, and Everest booked from the desk until 11:00
    feed_busy(container, tokyo(9), tokyo(23, 59))
    desk.say("BookRoomIntent", "CONFIRMED", room="Everest", duration="PT1H")

    # When a room is looked for now
    offered = room.say("FindRoomIntent")

    # Then Everest is offered from 11:00, and yes books it for the half hour a search looks for
    assert speech(offered) == "No room is free then, but Everest is free at 11:00 AM. Shall I book it?"
    assert reprompt(offered) == "Shall I book Everest at 11:00 AM?"
    assert speech(room.say("AMAZON.YesIntent")) == "Done. Everest is booked at 11:00 AM, until 11:30 AM."


def test_a_room_taken_before_the_yes_is_said_offers_the_next_in_two_sentences(
    room: Conversation, desk: Conversation, container: Container
) -> None:
    # Given Everest, then Fuji, offered for three people
    offered = room.say("FindRoomIntent", attendees="3")
    assert speech(offered) == "Everest is free on floor 5. Shall I book it?"

    # When Alice books Everest from her desk before the room says yes
    desk.say("BookRoomIntent", room="Everest", duration="PT30M")
    answer = room.say("AMAZON.YesIntent")

    # Then Fuji is offered instead, in two sentences
    assert speech(answer) == "Everest was just taken, but Fuji is free on floor 5. Shall I book it?"
    assert not ended(answer)
    assert speech(room.say("AMAZON.YesIntent")) == "Done. Fuji is booked at 10:00 AM, until 10:30 AM."


def test_an_offer_lapses_once_anything_else_is_asked(room: Conversation, container: Container) -> None:
    # Given Fuji offered until 10:30
    feed_busy(container, tokyo(10, 30), tokyo(11, 30))
    room.say("BookRoomIntent", "CONFIRMED", duration="PT1H")

    # When help is asked, then yes is said
    room.say("AMAZON.HelpIntent")
    answer = room.say("AMAZON.YesIntent")

    # Then the yes answers nothing, and nothing is booked
    assert "Sorry, I can't help with that" in speech(answer)
    assert bookings(container) == []


def test_the_same_offers_in_japanese(invoke: Any, clock: FixedClock, container: Container) -> None:
    # Given Fuji's device speaking Japanese, and a calendar meeting there from 10:30
    room = Conversation(invoke, ROOM, locale="ja-JP")
    feed_busy(container, tokyo(10, 30), tokyo(11, 30))

    # When the room is asked for an hour from now, Fuji is offered until 10:30
    offered = room.say("BookRoomIntent", "CONFIRMED", duration="PT1H")
    assert speech(offered) == "Fujiは午前10時半まで空いています。それまで予約するか、別の部屋を探しますか?"
    assert reprompt(offered) == "Fujiを午前10時半まで予約するか、別の部屋を探しますか?"

    # When the answer is yes, the free part is booked
    done = room.say("AMAZON.YesIntent")
    assert speech(done) == "Fujiを今日の午前10時から午前10時半まで予約しました。"
    assert [(b.start, b.end) for b in bookings(container)] == [(tokyo(10), tokyo(10, 30))]

    # When the room is asked again, it is busy now and offered from 11:30; no ends politely
    again = room.say("BookRoomIntent", duration="PT30M")
    assert speech(again) == "Fujiは今使用中です。午前11時半から予約するか、別の部屋を探しますか?"
    declined = room.say("AMAZON.NoIntent")
    assert speech(declined) == "かしこまりました。予約はしていません。" and ended(declined)


def test_find_offers_the_nearest_fitting_room_and_yes_books_it(room: Conversation, container: Container) -> None:
    # When a room for three people is asked for
    offered = room.say("FindRoomIntent", attendees="3")
    # Then the smallest room that fits on this floor is offered first
    assert speech(offered) == "Everest is free on floor 5. Shall I book it?"
    assert not ended(offered)
    # When the answer is no, the next room is offered
    second = room.say("AMAZON.NoIntent")
    assert speech(second) == "Fuji is free on floor 5. Shall I book it?"
    # When the answer is yes, it is booked
    done = room.say("AMAZON.YesIntent")
    assert speech(done) == "Done. Fuji is booked at 10:00 AM, until 10:30 AM."
    assert [b.room_id for b in bookings(container)] == ["fuji"]
    assert bookings(container, "everest") == []


def test_yes_without_an_offer_is_not_taken_by_rooms(room: Conversation, container: Container) -> None:
    answer = room.say("AMAZON.YesIntent")
    assert "Sorry, I can't help with that" in speech(answer)
    assert bookings(container) == []


def test_extend_into_a_taken_slot_extends_until_then_and_offers_another_room(
    room: Conversation, container: Container
) -> None:
    # Given a meeting booked now until 10:30 and a calendar meeting in Fuji from 10:45
    room.say("BookRoomIntent", duration="PT30M")
    feed_busy(container, tokyo(10, 45), tokyo(11, 30))
    # When the meeting is extended by 30 minutes
    answer = room.say("ExtendMeetingIntent", duration="PT30M")
    # Then it runs until 10:45, and Everest is offered for the rest, in two sentences
    assert speech(answer) == "It now ends at 10:45 AM, when Fuji is taken. Shall I book Everest until 11:00 AM?"
    assert reprompt(answer) == "Shall I book Everest until 11:00 AM?"
    [booking] = bookings(container)
    assert booking.end == tokyo(10, 45)
    # When the offer is taken, Everest is booked for the rest
    room.say("AMAZON.YesIntent")
    [other] = bookings(container, "everest")
    assert (other.start, other.end) == (tokyo(10, 45), tokyo(11))


def test_extend_within_free_time(room: Conversation, container: Container) -> None:
    room.say("BookRoomIntent", duration="PT30M")
    answer = room.say("ExtendMeetingIntent", duration="PT15M")
    assert speech(answer) == "Done. The meeting now ends at 10:45 AM."
    assert [b.end for b in bookings(container)] == [tokyo(10, 45)]


def test_extending_from_the_room_checks_a_desk_booking_in_with_the_same_write(
    room: Conversation, desk: Conversation, container: Container
) -> None:
    # Given Alice booked Fuji from her desk for now, not yet checked in
    desk.say("BookRoomIntent", room="Fuji", duration="PT30M")
    writes: list[str] = []
    container.table.client.meta.events.register(
        "before-send.dynamodb",
        lambda request, **_: writes.append(request.headers["X-Amz-Target"].decode().rpartition(".")[2]),
    )
    # When the room device hears "extend the meeting by 15 minutes"
    answer = room.say("ExtendMeetingIntent", duration="PT15M")
    # Then the meeting is extended and checked in, in one transaction
    assert speech(answer) == "Done. The meeting now ends at 10:45 AM."
    [booking] = bookings(container)
    assert (booking.end, booking.status) == (tokyo(10, 45), BookingStatus.CHECKED_IN)
    assert writes.count("TransactWriteItems") == 1


def test_a_meeting_that_cannot_be_extended_is_still_checked_in_from_its_room(
    room: Conversation, desk: Conversation, container: Container
) -> None:
    # Given Alice's desk booking of Fuji now until 10:30, and a calendar meeting from 10:30
    desk.say("BookRoomIntent", room="Fuji", duration="PT30M")
    feed_busy(container, tokyo(10, 30), tokyo(11, 30))
    # When the room device is asked to extend it
    answer = room.say("ExtendMeetingIntent", duration="PT30M")
    # Then it is not extended, but the meeting in the room counts as checked in (not released as a no-show)
    assert "10:30 AM" in speech(answer)
    [booking] = bookings(container)
    assert (booking.end, booking.status) == (tokyo(10, 30), BookingStatus.CHECKED_IN)


def test_end_frees_the_room_at_once_for_status_find_and_book(
    room: Conversation, desk: Conversation, container: Container, clock: FixedClock
) -> None:
    # Given Fuji booked now for half an hour, seven minutes in
    room.say("BookRoomIntent", duration="PT30M")
    clock.at = NOW + timedelta(minutes=7)
    # When the meeting is ended
    answer = room.say("EndMeetingIntent")
    # Then the room is free again
    assert speech(answer) == "Thanks. Fuji is free again."
    assert ended(answer)
    room.attributes = {}
    assert speech(room.say("RoomStatusIntent")) == "Fuji is free for the rest of the day."
    # And a room found for five from the desk (only Fuji fits) can be taken at once
    offered = desk.say("FindRoomIntent", attendees="5")
    assert speech(offered) == "Fuji is free on floor 5. Shall I book it?"
    assert speech(desk.say("AMAZON.YesIntent")) == "Done. Fuji is booked at 10:07 AM, until 10:45 AM."
    # And so can the room itself, from its own device, once that booking is cancelled
    desk.attributes = {}
    desk.say("CancelBookingIntent", "CONFIRMED", room="Fuji")
    room.attributes = {}
    assert speech(room.say("BookRoomIntent", duration="PT30M")).startswith("Done. Fuji is booked")
    # And the ended meeting ended when it was ended
    assert [b.end for b in bookings(container) if b.status is BookingStatus.ENDED] == [tokyo(10, 7)]


def test_check_in_from_the_room_keeps_a_booking_made_elsewhere(
    room: Conversation, desk: Conversation, container: Container
) -> None:
    # Given Alice booked Fuji from her desk for now
    desk.say("BookRoomIntent", room="Fuji", duration="PT30M")
    assert [b.status for b in bookings(container)] == [BookingStatus.BOOKED]
    # When the room device hears "check in"
    answer = room.say("MeetingCheckInIntent")
    # Then the booking is checked in
    assert speech(answer) == "You're checked in. Fuji is yours until 10:30 AM."
    assert [b.status for b in bookings(container)] == [BookingStatus.CHECKED_IN]


def test_nothing_to_check_in_to(room: Conversation) -> None:
    assert speech(room.say("MeetingCheckInIntent")) == "There's no meeting booked here right now."


def test_cancel_on_a_personal_device_is_confirmed(desk: Conversation, container: Container) -> None:
    # Given Alice's booking of Fuji tomorrow at 10
    slots = {"room": "Fuji", "date": "2026-12-02", "startTime": "10:00", "duration": "PT1H"}
    desk.say("BookRoomIntent", "CONFIRMED", **slots)
    # When she asks to cancel her Fuji booking
    asked = desk.say("CancelBookingIntent", room="Fuji")
    assert speech(asked) == "Cancel your booking of Fuji tomorrow at 10:00 AM?"
    assert [b.status for b in bookings(container)] == [BookingStatus.BOOKED]
    # When she confirms, it is cancelled
    done = desk.say("CancelBookingIntent", "CONFIRMED", room="Fuji")
    assert speech(done) == "Cancelled your booking of Fuji tomorrow at 10:00 AM."
    assert [b.status for b in bookings(container)] == [BookingStatus.CANCELLED]


def test_next_meeting_personal_hears_the_subject_shared_does_not(
    desk: Conversation, room: Conversation, invoke: Any, container: Container
) -> None:
    # Given a calendar meeting "Budget review" organized by Alice in Fuji at 14:00
    feed_busy(container, tokyo(14), tokyo(15), subject="Budget review")
    # When the room is asked what is next
    shared = room.say("NextMeetingIntent")
    # Then it says when, not what
    assert speech(shared) == "Fuji is booked next at 2:00 PM, until 3:00 PM."
    # When Alice's voice is recognised in the room, she hears her own meeting's subject
    recognised = Conversation(invoke, ROOM, person="amzn1.ask.person.TESTALICE").say("NextMeetingIntent")
    assert speech(recognised) == "Next in Fuji: Budget review, at 2:00 PM until 3:00 PM."
    # Given Alice's own booking of Everest at 11
    desk.say("BookRoomIntent", "CONFIRMED", room="Everest", startTime="11:00", duration="PT30M")
    # When she asks her desk for her next meeting
    personal = desk.say("NextMeetingIntent")
    assert speech(personal) == "Your next meeting is at 11:00 AM in Everest."


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        ({"duration": "P1Y"}, "That isn't a length I can book."),
        ({"duration": "PT0M"}, "That isn't a length I can book."),
        ({"duration": "PT5H"}, "Fuji can be booked for at most 2 hours at a time."),
        ({"duration": "PT30M", "date": "2026-W50"}, "Please name one day"),
        ({"duration": "PT30M", "startTime": "EV"}, "Please give me a time"),
        ({"duration": "PT30M", "date": "2026-12-03"}, "Please give me a time"),
        ({"duration": "PT30M", "startTime": "25:61"}, "I didn't understand that time."),
        ({"duration": "PT30M", "date": "2026-02-30", "startTime": "10:00"}, "I didn't understand that date."),
        ({"duration": "PT30M", "date": "2027-06-01", "startTime": "10:00"}, "up to 30 days ahead"),
        ({"duration": "PT30M", "date": "2026-11-30", "startTime": "10:00"}, "That time has already passed."),
        ({"duration": "PT30M", "attendees": "20"}, "Fuji seats 8, not 20."),
        ({"duration": "PT30M", "attendees": "?"}, "I didn't understand how many people are coming."),
        ({"duration": "PT30M", "room": "lobby"}, "Lobby can't be booked."),
    ],
)
def test_every_bad_slot_value_is_answered(
    room: Conversation, container: Container, slots: dict[str, str], expected: str
) -> None:
    answer = room.say("BookRoomIntent", "CONFIRMED", **slots)
    assert expected in speech(answer)
    assert bookings(container) == []
