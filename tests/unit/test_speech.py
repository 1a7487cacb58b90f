"""What the skill says, and the shared-device privacy rule."""

from __future__ import annotations

from datetime import UTC, datetime

from skill.alexa import speech
from skill.alexa.messages import message
from skill.domain.model import BusyInterval, Caller, CallerKind, Room, Site, User

ALICE = User(id="alice", name="Alice Tanaka", email="alice@example.com")
BOB = User(id="bob", name="Bob Chen")
FUJI = Room(id="fuji", name="Fuji")
LOBBY = Room(id="lobby", name="Lobby", bookable=False)
START, END = datetime(2026, 12, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, 2, tzinfo=UTC)


def busy(**kw) -> BusyInterval:
    return BusyInterval(start=START, end=END, source="feed", **kw)


def room_caller(person: User | None = None, features=("booking", "calling")) -> Caller:
    return Caller(CallerKind.SHARED, "d", room=FUJI, person=person, features=frozenset(features))


def test_shared_device_never_describes_someone_elses_meeting():
    assert not speech.may_describe(room_caller(), busy(subject="Budget", organizer="alice"))
    assert not speech.may_describe(room_caller(BOB), busy(subject="Budget", organizer="alice"))


def test_recognised_owner_hears_their_own_meeting_on_a_shared_device():
    assert speech.may_describe(room_caller(ALICE), busy(subject="Budget", organizer="alice@example.com"))


def test_private_events_are_never_described_even_to_their_owner():
    personal = Caller(CallerKind.PERSONAL, "d", user=ALICE, features=frozenset({"booking"}))
    assert not speech.may_describe(personal, busy(private=True, organizer="alice"))
    assert speech.may_describe(personal, busy(subject="1:1", organizer="bob"))


def test_launch_differs_for_room_lobby_and_personal():
    assert speech.launch(room_caller(), "en-US").startswith("Fuji here.")
    lobby = Caller(CallerKind.SHARED, "d", room=LOBBY, features=frozenset({"reception"}), site=Site(name="HQ"))
    assert "Welcome to HQ" in speech.launch(lobby, "en-US")
    personal = Caller(CallerKind.PERSONAL, "d", user=ALICE, features=frozenset({"booking"}))
    assert speech.launch(personal, "en-US").startswith("Hi Alice.")


def test_help_only_offers_enabled_features():
    text = speech.help_text(room_caller(features=("calling",)), "en-US")
    assert "call someone" in text and "book" not in text
    assert "no office features" in speech.help_text(room_caller(features=()), "en-US")


def test_values_are_escaped_for_ssml():
    odd = Room(id="r", name="R&D <lab>")
    caller = Caller(CallerKind.SHARED, "d", room=odd, features=frozenset())
    assert "R&amp;D &lt;lab&gt;" in speech.launch(caller, "en-US")


def test_unknown_locale_falls_back_to_english():
    assert message("xx-XX", "goodbye") == "Goodbye."


def test_the_room_card_shows_busy_until_when_and_the_next_time_even_to_the_meetings_owner():
    from skill.services.rooms import RoomStatus

    # Given Alice's own meeting on now in Fuji (10:00-11:00 in Tokyo) and another at 14:00
    own = busy(subject="Budget", organizer="alice@example.com", ref="a")
    later = BusyInterval(START.replace(hour=5), END.replace(hour=6), "feed", "b", subject="Hiring", organizer="bob")
    status = RoomStatus(FUJI, START, own, END, None, later, None)
    caller = Caller(CallerKind.SHARED, "d", room=FUJI, person=ALICE, site=Site(timezone="Asia/Tokyo"))
    # When the card texts are made for her, recognised in the room, in English and in Japanese
    english = speech.room_card(caller, status, "en-US")
    japanese = speech.room_card(caller, status, "ja-JP")
    # Then they carry times only
    assert english == ("Busy", "until 11:00 AM", "Next booking at 2:00 PM")
    assert japanese == ("使用中", "午前11時まで", "次の予約は午後2時から")


def test_a_free_room_card_says_free_for_the_rest_of_the_day():
    from skill.services.rooms import RoomStatus

    status = RoomStatus(FUJI, START, None, None, None, None, None)
    caller = room_caller()
    assert speech.room_card(caller, status, "en-US") == ("Free", "for the rest of the day", "No more bookings today")
