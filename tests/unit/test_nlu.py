"""The local matcher turns typed text into the intent and slot values Alexa would send."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from skill.local.nlu import (
    FALLBACK_INTENT,
    LAUNCH_REQUEST,
    Match,
    Model,
    load_model,
    model_intents,
    to_date,
    to_duration,
    to_number,
    to_phone_number,
    to_time,
    words_to_number,
)

MODEL_PATH = Path(__file__).resolve().parents[2] / "interaction_models" / "custom" / "en-US.json"
TUESDAY = date(2026, 11, 24)  # ISO week 2026-W48


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(MODEL_PATH)


def values(match: Match) -> dict[str, str]:
    return {name: slot.value for name, slot in match.slots.items() if slot.value is not None}


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("is Fuji free?", "RoomStatusIntent", {"room": "fuji"}),
        ("can you check if mount everest is free", "RoomStatusIntent", {"room": "everest"}),
        ("is this room free", "RoomStatusIntent", {}),
        ("Book Fuji tomorrow at 3 pm for thirty minutes", "BookRoomIntent",
         {"room": "fuji", "date": "2026-11-25", "startTime": "15:00", "duration": "PT30M"}),
        ("can you book fuji for an hour and a half, please", "BookRoomIntent",
         {"room": "fuji", "duration": "PT1H30M"}),
        ("at 10 am book everest for six people", "BookRoomIntent",
         {"room": "everest", "startTime": "10:00", "attendees": "6"}),
        ("book fuji this weekend", "BookRoomIntent", {"room": "fuji", "date": "2026-W48-WE"}),
        ("book this room", "BookRoomIntent", {}),
        ("find a room with a projector for 8 people", "FindRoomIntent", {"feature": "screen", "attendees": "8"}),
        ("please find a room with video conferencing for two hours", "FindRoomIntent",
         {"feature": "video", "duration": "PT2H"}),
        ("which rooms are free at noon", "FindRoomIntent", {"startTime": "12:00"}),
        ("extend the meeting by 15 minutes", "ExtendMeetingIntent", {"duration": "PT15M"}),
        ("give us half an hour more", "ExtendMeetingIntent", {"duration": "PT30M"}),
        ("we're done", "EndMeetingIntent", {}),
        ("release the room", "EndMeetingIntent", {}),
        ("check in", "MeetingCheckInIntent", {}),
        ("we're here for the meeting", "MeetingCheckInIntent", {}),
        ("what's next in Denali", "NextMeetingIntent", {"room": "denali"}),
        ("when is the next meeting", "NextMeetingIntent", {}),
        ("cancel my booking at 10:30", "CancelBookingIntent", {"startTime": "10:30"}),
        ("cancel my reservation in fuji on friday", "CancelBookingIntent", {"room": "fuji", "date": "2026-11-27"}),
        ("call Alice on her cell", "CallContactIntent", {"contact": "Alice Tanaka", "phoneType": "mobile"}),
        ("call bob at work", "CallContactIntent", {"contact": "Bob", "phoneType": "office"}),
        ("call the front desk", "CallContactIntent", {"contact": "reception"}),
        ("dial 555-0100", "DialNumberIntent", {"phoneNumber": "5550100"}),
        ("call five five five oh one double two", "DialNumberIntent", {"phoneNumber": "5550122"}),
        ("join the meeting", "JoinMeetingIntent", {}),
        ("dial into the meeting", "JoinMeetingIntent", {}),
        ("I'm here to see Alice Tanaka", "VisitorCheckInIntent", {"host": "Alice Tanaka"}),
        ("I'm Jane Doe from Initech here to see Bob", "VisitorCheckInIntent",
         {"visitorName": "Jane Doe", "company": "Initech", "host": "Bob"}),
        ("Jane Doe is leaving", "VisitorCheckOutIntent", {"visitorName": "Jane Doe"}),
        ("check me out", "VisitorCheckOutIntent", {}),
        ("I'm expecting John Smith next Friday at noon", "ExpectVisitorIntent",
         {"visitorName": "John Smith", "date": "2026-11-27", "startTime": "12:00"}),
        ("help", "AMAZON.HelpIntent", {}),
        ("what can you do", "AMAZON.HelpIntent", {}),
        ("cancel", "AMAZON.CancelIntent", {}),
        ("stop", "AMAZON.StopIntent", {}),
        ("go home", "AMAZON.NavigateHomeIntent", {}),
        ("yes please", "AMAZON.YesIntent", {}),
        ("nope", "AMAZON.NoIntent", {}),
    ],
)  # fmt: skip
def test_realistic_phrasings_match_the_intent_with_alexa_slot_values(
    model: Model, text: str, intent: str, slots: dict[str, str]
) -> None:
    # Given the en-US model / When the text is matched
    match = model.match(text, today=TUESDAY)

    # Then the intent and the filled slots are what Alexa would send
    assert (match.intent, values(match)) == (intent, slots)


def test_every_declared_slot_is_present_and_unfilled_ones_have_no_value(model: Model) -> None:
    # Given / When
    match = model.match("book fuji", today=TUESDAY)

    # Then
    assert set(match.slots) == {"room", "date", "startTime", "duration", "attendees"}
    assert match.slots["duration"].value is None
    assert match.slots["duration"].slot_type == "AMAZON.DURATION"


def test_custom_values_resolve_to_their_id_and_unknown_words_pass_through(model: Model) -> None:
    # Given / When
    known = model.match("call alice on her cellphone", today=TUESDAY).slots
    unknown = model.match("call Zed Zebra", today=TUESDAY).slots

    # Then a synonym resolves like ER_SUCCESS_MATCH, an unknown name like ER_SUCCESS_NO_MATCH
    assert (known["phoneType"].value, known["phoneType"].raw, known["phoneType"].resolved_id) == (
        "mobile",
        "cellphone",
        "mobile",
    )
    assert (unknown["contact"].value, unknown["contact"].raw, unknown["contact"].resolved_id) == (
        "Zed Zebra",
        "Zed Zebra",
        None,
    )


@pytest.mark.parametrize(
    "text",
    [
        "Alexa, ask office assistant to book fuji for an hour",
        "tell office assistant to book fuji for an hour",
        "book fuji for an hour with office assistant",
        "open office assistant and book fuji for an hour",
    ],
)
def test_invocation_phrases_are_stripped(model: Model, text: str) -> None:
    # Given / When
    match = model.match(text, today=TUESDAY)

    # Then
    assert (match.intent, values(match)) == ("BookRoomIntent", {"room": "fuji", "duration": "PT1H"})


@pytest.mark.parametrize("text", ["open office assistant", "Alexa, launch Office Assistant.", "ask office assistant"])
def test_opening_the_skill_is_a_launch_request(model: Model, text: str) -> None:
    assert model.match(text, today=TUESDAY) == Match(LAUNCH_REQUEST, {})


@pytest.mark.parametrize("text", ["what's the weather like", "play some jazz", "book", "is fuji free at teatime"])
def test_text_that_matches_no_sample_is_the_fallback_intent(model: Model, text: str) -> None:
    assert model.match(text, today=TUESDAY) == Match(FALLBACK_INTENT, {})


def test_a_slot_only_answer_fills_the_slot_being_elicited(model: Model) -> None:
    # Given the skill asked "For how long?" for BookRoomIntent
    eliciting = ("BookRoomIntent", "duration")

    # When the user answers with the duration alone
    match = model.match("for thirty minutes", today=TUESDAY, eliciting=eliciting)

    # Then
    assert (match.intent, values(match)) == ("BookRoomIntent", {"duration": "PT30M"})


def test_an_elicited_name_is_taken_as_said_but_stop_still_stops(model: Model) -> None:
    # Given the lobby device asked for the visitor's name
    eliciting = ("VisitorCheckInIntent", "visitorName")

    # When / Then
    named = model.match("Jane Doe", today=TUESDAY, eliciting=eliciting)
    assert (named.intent, values(named)) == ("VisitorCheckInIntent", {"visitorName": "Jane Doe"})
    assert model.match("stop", today=TUESDAY, eliciting=eliciting).intent == "AMAZON.StopIntent"


def test_slot_only_answers_need_a_slot_being_elicited(model: Model) -> None:
    assert model.match("thirty minutes", today=TUESDAY).intent == FALLBACK_INTENT


@pytest.mark.parametrize(
    ("spoken", "iso"),
    [
        ("thirty minutes", "PT30M"),
        ("an hour", "PT1H"),
        ("half an hour", "PT30M"),
        ("an hour and a half", "PT1H30M"),
        ("one and a half hours", "PT1H30M"),
        ("1.5 hours", "PT1H30M"),
        ("two hours", "PT2H"),
        ("90 minutes", "PT90M"),
        ("ninety minutes", "PT90M"),
        ("two hours and fifteen minutes", "PT2H15M"),
        ("a quarter of an hour", "PT15M"),
        ("a day", "P1D"),
        ("forty-five minutes", "PT45M"),
    ],
)
def test_durations_become_iso_8601(spoken: str, iso: str) -> None:
    assert to_duration(spoken) == iso


@pytest.mark.parametrize("spoken", ["", "minutes", "a while", "teatime"])
def test_non_durations_are_rejected(spoken: str) -> None:
    assert to_duration(spoken) is None


@pytest.mark.parametrize(
    ("spoken", "value"),
    [
        ("today", "2026-11-24"),
        ("tomorrow", "2026-11-25"),
        ("the day after tomorrow", "2026-11-26"),
        ("friday", "2026-11-27"),
        ("on monday", "2026-11-30"),
        ("tuesday", "2026-11-24"),
        ("next tuesday", "2026-12-01"),
        ("december first", "2026-12-01"),
        ("the 3rd of january", "2027-01-03"),
        ("november first", "2027-11-01"),
        ("december twenty first", "2026-12-21"),
        ("12/1", "2026-12-01"),
        ("2027-02-03", "2027-02-03"),
        ("next week", "2026-W49"),
        ("this week", "2026-W48"),
        ("this weekend", "2026-W48-WE"),
        ("next month", "2026-12"),
        ("march", "2027-03"),
        ("in three days", "2026-11-27"),
        ("right now", "PRESENT_REF"),
    ],
)
def test_dates_become_what_alexa_sends(spoken: str, value: str) -> None:
    assert to_date(spoken, TUESDAY) == value


@pytest.mark.parametrize("spoken", ["february thirtieth", "13/40", "someday"])
def test_impossible_dates_are_rejected(spoken: str) -> None:
    assert to_date(spoken, TUESDAY) is None


@pytest.mark.parametrize(
    ("spoken", "value"),
    [
        ("three pm", "15:00"),
        ("3:15 p.m.", "15:15"),
        ("three", "03:00"),
        ("five o'clock", "05:00"),
        ("10:30", "10:30"),
        ("three thirty", "03:30"),
        ("two oh five pm", "14:05"),
        ("half past two", "02:30"),
        ("quarter to four", "03:45"),
        ("nine in the morning", "09:00"),
        ("eight at night", "20:00"),
        ("fifteen hundred", "15:00"),
        ("12 am", "00:00"),
        ("noon", "12:00"),
        ("midnight", "00:00"),
        ("morning", "MO"),
        ("afternoon", "AF"),
        ("evening", "EV"),
        ("night", "NI"),
    ],
)
def test_times_become_what_alexa_sends(spoken: str, value: str) -> None:
    assert to_time(spoken) == value


@pytest.mark.parametrize("spoken", ["25:00", "teatime", "three seventy"])
def test_impossible_times_are_rejected(spoken: str) -> None:
    assert to_time(spoken) is None


@pytest.mark.parametrize(
    ("spoken", "value"),
    [("eight", "8"), ("twenty five", "25"), ("a hundred and five", "105"), ("12", "12"), ("six people", "6")],
)
def test_numbers_become_digits(spoken: str, value: str) -> None:
    assert to_number(spoken) == value


def test_words_that_are_not_numbers_are_rejected() -> None:
    assert words_to_number("a few") is None


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("five five five oh one double two", "5550122"),
        ("+1 (206) 555-0100", "12065550100"),
        ("eight hundred five five five twelve thirty four", "8005551234"),
        ("plus eight one three one two three four", "8131234"),
    ],
)
def test_phone_numbers_become_digit_strings(spoken: str, digits: str) -> None:
    assert to_phone_number(spoken) == digits


def test_model_intents_lists_every_intent_of_the_model() -> None:
    # Given / When
    intents = model_intents(MODEL_PATH)

    # Then
    assert {"BookRoomIntent", "VisitorCheckInIntent", "AMAZON.FallbackIntent"} <= intents
    assert len(intents) == 22


# --- Japanese: characters without word spaces, Japanese numerals, times and durations ---------------------

JA_MODEL_PATH = MODEL_PATH.with_name("ja-JP.json")


@pytest.fixture(scope="module")
def ja_model() -> Model:
    return load_model(JA_MODEL_PATH)


def ids(match: Match) -> dict[str, str]:
    return {name: slot.resolved_id or slot.value for name, slot in match.slots.items() if slot.value is not None}


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("富士は空いてる？", "RoomStatusIntent", {"room": "fuji"}),
        ("この部屋を三十分予約して", "BookRoomIntent", {"duration": "PT30M"}),
        ("明日の午後三時に富士を予約して", "BookRoomIntent",
         {"date": "2026-11-25", "startTime": "15:00", "room": "fuji"}),
        ("三人で明日の十時半に会議室を予約して", "BookRoomIntent",
         {"attendees": "3", "date": "2026-11-25", "startTime": "10:30"}),
        ("会議を一時間半延長して", "ExtendMeetingIntent", {"duration": "PT1H30M"}),
        ("プロジェクターがある会議室を探して", "FindRoomIntent", {"feature": "screen"}),
        ("田中さんの携帯に電話して", "CallContactIntent", {"contact": "alice", "phoneType": "mobile"}),
        ("０３−１２３４−５６７８に電話して", "DialNumberIntent", {"phoneNumber": "0312345678"}),
        ("来週の金曜日の午後二時に佐藤さんが来ます", "ExpectVisitorIntent",
         {"visitorName": "佐藤", "date": "2026-12-04", "startTime": "14:00"}),
        ("オフィスアシスタントで次の会議を教えて", "NextMeetingIntent", {}),
        ("はい", "AMAZON.YesIntent", {}),
        ("ヘルプ", "AMAZON.HelpIntent", {}),
        ("天気を教えて", FALLBACK_INTENT, {}),
    ],
)  # fmt: skip
def test_japanese_is_matched_without_word_spaces(
    ja_model: Model, text: str, intent: str, slots: dict[str, str]
) -> None:
    match = ja_model.match(text, today=TUESDAY)
    assert (match.intent, ids(match)) == (intent, slots)


def test_japanese_launch_phrases_open_the_skill(ja_model: Model) -> None:
    assert ja_model.match("オフィス アシスタントを開いて", today=TUESDAY).intent == LAUNCH_REQUEST
    assert ja_model.match("アレクサ、オフィスアシスタント", today=TUESDAY).intent == LAUNCH_REQUEST


def test_japanese_slot_answers_fill_the_slot_being_elicited(ja_model: Model) -> None:
    # Given the skill asked for the host of a check-in
    match = ja_model.match("田中さんです", today=TUESDAY, eliciting=("VisitorCheckInIntent", "host"))

    # Then the answer fills that slot of that intent
    assert (match.intent, ids(match)) == ("VisitorCheckInIntent", {"host": "alice"})
