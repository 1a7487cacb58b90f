"""Calling through the skill's request path (the Lambda handler's code) with real envelopes, on moto's DynamoDB.

The test office is tests/fixtures/office.yaml: room Fuji (phone +81 3-1234-0005, shared device TESTROOM),
Alice Tanaka's desk device TESTDESK, Bob Chen, reception (Carol) and the contact Acme Support.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from support import apply_entities

from skill.alexa.speech import clock_words
from skill.bootstrap import Container, Services
from skill.domain import fleet as codec
from skill.domain.calls import CallStatus
from skill.domain.model import (
    Booking,
    BookingStatus,
    BusyInterval,
    CallingPolicy,
    Device,
    DeviceKind,
    Fleet,
    SkillGroup,
    User,
)
from skill.local.envelopes import intent_request
from skill.local.nlu import SlotValue, load_model

APP = "amzn1.ask.skill.office-assistant-local"
ROOM = {"application_id": APP, "device_id": "amzn1.ask.device.TESTROOM", "user_id": "amzn1.ask.account.TESTUSER"}
DESK = {"application_id": APP, "device_id": "amzn1.ask.device.TESTDESK", "user_id": "amzn1.ask.account.TESTALICE"}
ROOM_PHONE = "+81312340005"
INVITES = Path(__file__).resolve().parents[1] / "fixtures" / "invites"
JAPANESE_NAMES = Path(__file__).resolve().parents[1] / "fixtures" / "fleets" / "japanese-names.yaml"
JA_MODEL = Path(__file__).resolve().parents[2] / "interaction_models" / "custom" / "ja-JP.json"
TOKYO_ROOM = {
    "application_id": APP,
    "device_id": "amzn1.ask.device.TOKYOROOM",
    "user_id": "amzn1.ask.account.TESTUSER",
    "locale": "ja-JP",
}
Invoke = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def alexa(invoke: Invoke) -> Invoke:
    return invoke


def speech(response: dict[str, Any]) -> str:
    return str(response["response"]["outputSpeech"]["ssml"])


def plain(response: dict[str, Any]) -> str:
    return re.sub(r"<[^>]+>", "", speech(response))


def directive(response: dict[str, Any]) -> dict[str, Any]:
    (only,) = response["response"]["directives"]
    return dict(only)


def ended(response: dict[str, Any]) -> bool:
    return bool(response["response"].get("shouldEndSession"))


def contact(name: str, resolved_id: str | None = None) -> SlotValue:
    return SlotValue(name, raw=name, resolved_id=resolved_id, slot_type="CONTACT_NAME")


def dialled(container: Container) -> list[tuple[str, str, str | None]]:
    return [(c.from_room_phone, c.to, c.digits) for c in container.dialer.calls]  # type: ignore[attr-defined]


def test_call_by_name_is_confirmed_then_rings_the_room_phone(
    alexa: Invoke, container: Container, event: Callable[[str], dict[str, Any]]
) -> None:
    # Given "call Bob" on the room device
    first = alexa(event("call_contact_room.json"))

    # Then Alexa is asked to confirm the call, by name only
    assert directive(first)["type"] == "Dialog.ConfirmIntent"
    assert directive(first)["updatedIntent"]["slots"]["contact"]["value"] == "Bob Chen"
    assert "Call Bob Chen's mobile?" in speech(first)
    assert container.calls.list_calls() == [] and dialled(container) == []

    # When the listener confirms
    placed = alexa(event("call_contact_room_confirmed.json"))

    # Then the room phone rings first, bridged to Bob's mobile; the log has it; the session ends
    assert dialled(container) == [(ROOM_PHONE, "+819022223333", None)]
    (call,) = container.calls.list_calls()
    assert (call.contact, call.to, call.status, call.provider) == (
        "user:bob",
        "+819022223333",
        CallStatus.PLACING,
        "local",
    )
    assert call.request_id == "amzn1.echo-api.request.call-2"
    assert "Calling Bob Chen." in speech(placed) and not re.search(r"\d{3}", speech(placed))
    assert ended(placed)


def test_two_close_names_are_asked_back_and_the_answer_picks_one(alexa: Invoke, container: Container) -> None:
    # Given a second Alice in the directory
    chen = User(id="alice-chen", name="Alice Chen", phones={"office": "+81312349999"})
    apply_entities(container.fleet, chen)

    # When the room is asked to "call Alice"
    asked = alexa(intent_request("CallContactIntent", {"contact": contact("alice", "alice")}, **ROOM))

    # Then both are offered and their ids kept in the session
    assert re.search(r"Alice (Tanaka|Chen) or Alice (Tanaka|Chen)\?", speech(asked))
    assert directive(asked)["type"] == "Dialog.ElicitSlot" and directive(asked)["slotToElicit"] == "contact"
    session = asked["sessionAttributes"]
    assert set(session["calling"]["candidates"]) == {"user:alice", "user:alice-chen"}

    # When the answer is "Alice Chen"
    answer = intent_request(
        "CallContactIntent", {"contact": contact("Alice Chen")}, session_attributes=session, new_session=False, **ROOM
    )
    picked = alexa(answer)

    # Then that Alice is the one to confirm, on her only phone
    assert directive(picked)["type"] == "Dialog.ConfirmIntent"
    assert "Call Alice Chen's office phone?" in speech(picked)
    assert picked["sessionAttributes"]["calling"]["callee"] == "user:alice-chen"


@pytest.fixture
def japanese_office(services: Services) -> Fleet:
    """The test office replaced by tests/fixtures/fleets/japanese-names.yaml, which has no alias at all."""
    office = codec.parse_fleet(yaml.safe_load(JAPANESE_NAMES.read_text(encoding="utf-8")))
    services.fleet.apply(services.fleet.plan(office, prune=True))
    return office


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("たなかさんに電話して", "Alice Tanaka"),
        ("やまださんに電話して", "Bob Yamada"),
        ("タナカさんに電話して", "Alice Tanaka"),
        ("ヤマダさんに電話して", "Bob Yamada"),
        ("田中さんに電話して", "Alice Tanaka"),
        ("山田さんに電話をかけて", "Bob Yamada"),
        ("さとうさんに電話して", "佐藤 健"),
        ("アリスさんに電話して", "Alice Suzuki"),
        ("アクメにつないで", "Acme Support"),
    ],
)
def test_a_name_said_in_kana_or_kanji_reaches_the_person_without_aliases(
    alexa: Invoke, japanese_office: Fleet, said: str, meant: str
) -> None:
    # Given a Japanese office whose people have no aliases
    assert not any(person.aliases for person in (*japanese_office.users, *japanese_office.contacts))

    # When the words are matched by the ja-JP model and sent as Alexa sends them, from the room
    heard = load_model(JA_MODEL).match(said)
    asked = alexa(intent_request(heard.intent, heard.slots, **TOKYO_ROOM))

    # Then the person meant is the one the skill asks to confirm calling
    assert heard.intent == "CallContactIntent"
    assert directive(asked)["type"] == "Dialog.ConfirmIntent"
    assert f"{meant}さんの" in speech(asked)


def test_a_denied_call_changes_nothing(alexa: Invoke, container: Container) -> None:
    denied = alexa(
        intent_request("CallContactIntent", {"contact": contact("Bob Chen", "bob")}, confirmation="DENIED", **ROOM)
    )
    assert "OK, I won't call." in speech(denied) and ended(denied)
    assert container.calls.list_calls() == [] and dialled(container) == []


def test_call_reception_and_an_unknown_name(alexa: Invoke, container: Container) -> None:
    # Reception (Carol) has no number in the test office until one is added
    phoneless = alexa(intent_request("CallContactIntent", {"contact": contact("reception", "reception")}, **ROOM))
    assert "I don't have a phone number for reception." in speech(phoneless)
    carol = User(id="carol", name="Carol Reception", phones={"office": "+81312340001"})
    apply_entities(container.fleet, carol)

    reception = alexa(intent_request("CallContactIntent", {"contact": contact("the front desk")}, **ROOM))
    assert "Call reception?" in speech(reception)
    nobody = alexa(intent_request("CallContactIntent", {"contact": contact("Zebedee")}, **ROOM))
    assert "I couldn't find Zebedee" in speech(nobody)


def test_dial_a_number_on_a_personal_device_reads_it_back_and_rings_the_users_phone(
    alexa: Invoke, container: Container, event: Callable[[str], dict[str, Any]]
) -> None:
    # Given "dial 03 1234 5678" on Alice's desk device
    asked = alexa(intent_request("DialNumberIntent", {"phoneNumber": "0312345678"}, **DESK))
    assert directive(asked)["type"] == "Dialog.ConfirmIntent"
    assert '<say-as interpret-as="telephone">+81312345678</say-as>' in speech(asked)

    # When confirmed
    placed = alexa(event("call_number_desk_confirmed.json"))

    # Then Alice's mobile rings first, then the number
    assert dialled(container) == [("+819012345678", "+81312345678", None)]
    assert "Your phone will ring first." in speech(placed)


def test_a_retried_request_dials_once(
    alexa: Invoke, container: Container, event: Callable[[str], dict[str, Any]]
) -> None:
    # Given the confirmed request delivered twice (same requestId)
    first = alexa(event("call_number_desk_confirmed.json"))
    again = alexa(event("call_number_desk_confirmed.json"))

    # Then one call is dialled and logged; both answers say it is on its way
    assert len(dialled(container)) == 1 and len(container.calls.list_calls()) == 1
    assert speech(first) == speech(again)


def test_emergency_numbers_are_refused_with_the_use_a_phone_answer(alexa: Invoke, container: Container) -> None:
    refused = alexa(intent_request("DialNumberIntent", {"phoneNumber": "110"}, **DESK))
    assert "Please use a phone." in speech(refused) and ended(refused)
    assert dialled(container) == []
    assert [c.status for c in container.calls.list_calls()] == [CallStatus.REFUSED]


def test_a_blocked_prefix_is_refused(alexa: Invoke, container: Container) -> None:
    policy = CallingPolicy(shared_may_call=("employees", "contacts"), blocked_prefixes=("+1900", "+4420"))
    container.fleet.put_doc("calling", codec.calling_to_doc(policy))
    refused = alexa(
        intent_request("DialNumberIntent", {"phoneNumber": "442079460018"}, confirmation="CONFIRMED", **DESK)
    )
    assert "aren't allowed here" in speech(refused)
    assert dialled(container) == []


def test_a_shared_device_may_not_call_numbers_and_never_speaks_them(
    alexa: Invoke, container: Container, event: Callable[[str], dict[str, Any]]
) -> None:
    refused = alexa(event("call_number_room.json"))
    assert plain(refused) == "Dialling numbers isn't allowed from here. You can dial it from your own phone."
    assert not re.search(r"\d", speech(refused))
    assert dialled(container) == []


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "Calls outside the company aren't allowed from here. You can call Acme Support from your own phone."),
        ("ja-JP", "ここから社外へは電話できません。Acme Supportさんにはご自分の電話からおかけください。"),
    ],
)
def test_a_contact_a_room_may_not_call_is_pointed_to_the_callers_own_phone(
    alexa: Invoke, container: Container, locale: str, expected: str
) -> None:
    # Given a site whose rooms may call employees only
    policy = CallingPolicy(shared_may_call=("employees",), allowed_countries=("JP", "US"))
    container.fleet.put_doc("calling", codec.calling_to_doc(policy))

    # When the room is asked to call Acme Support
    refused = alexa(
        intent_request("CallContactIntent", {"contact": contact("Acme Support", "acme")}, **ROOM, locale=locale)
    )

    # Then it says why and what works instead, with no number, and ends; nothing is dialled
    assert plain(refused) == expected and ended(refused)
    assert dialled(container) == []


@pytest.mark.parametrize(
    ("locale", "offered", "again", "placed"),
    [
        (
            "en-US",
            "Bob Chen has no office phone number on record. Shall I call their mobile?",
            "Call Bob Chen's mobile?",
            "Calling Bob Chen.",
        ),
        (
            "ja-JP",
            "Bob Chenさんの会社の電話の番号は登録されていません。携帯電話にかけますか?",
            "Bob Chenさんの携帯電話に電話しますか?",
            "Bob Chenさんに電話します。",
        ),
    ],
)
def test_a_phone_someone_lacks_is_offered_on_the_one_they_have_and_yes_calls_it(
    alexa: Invoke, container: Container, locale: str, offered: str, again: str, placed: str
) -> None:
    # Given "call Bob on his office phone" in the room; Bob has a mobile only
    slots = {"contact": contact("Bob Chen", "bob"), "phoneType": "office"}
    asked = alexa(intent_request("CallContactIntent", slots, **ROOM, locale=locale))

    # Then his mobile is offered, the question kept open, nothing dialled yet
    assert plain(asked) == offered and not ended(asked)
    assert re.sub(r"<[^>]+>", "", asked["response"]["reprompt"]["outputSpeech"]["ssml"]) == again
    assert dialled(container) == []

    # When the answer is yes, the room phone rings Bob's mobile
    yes = intent_request(
        "AMAZON.YesIntent", {}, session_attributes=asked["sessionAttributes"], new_session=False, **ROOM, locale=locale
    )
    done = alexa(yes)
    assert plain(done).startswith(placed) and ended(done)
    assert dialled(container) == [(ROOM_PHONE, "+819022223333", None)]


def test_no_to_a_phone_on_offer_dials_nothing(alexa: Invoke, container: Container) -> None:
    asked = alexa(
        intent_request("CallContactIntent", {"contact": contact("Bob Chen", "bob"), "phoneType": "home"}, **ROOM)
    )
    no = intent_request("AMAZON.NoIntent", {}, session_attributes=asked["sessionAttributes"], new_session=False, **ROOM)
    declined = alexa(no)
    assert plain(declined) == "OK, I won't call." and ended(declined)
    assert dialled(container) == [] and container.calls.list_calls() == []


def test_a_shared_device_allowed_numbers_never_hears_the_digits(alexa: Invoke, container: Container) -> None:
    policy = CallingPolicy(shared_may_call=("employees", "contacts", "numbers"))
    container.fleet.put_doc("calling", codec.calling_to_doc(policy))
    asked = alexa(intent_request("DialNumberIntent", {"phoneNumber": "0312345678"}, **ROOM))
    placed = alexa(intent_request("DialNumberIntent", {"phoneNumber": "0312345678"}, confirmation="CONFIRMED", **ROOM))
    assert "the number you gave" in speech(asked) and "the number you gave" in speech(placed)
    assert not re.search(r"\d", speech(asked) + speech(placed))
    assert dialled(container) == [(ROOM_PHONE, "+81312345678", None)] and ended(placed)


def _store_meeting(container: Container, owner: str, dial_in: str | None) -> None:
    now = datetime.now(UTC)
    meeting = BusyInterval(
        now + timedelta(minutes=5), now + timedelta(minutes=65), "feed", ref="zoom-1", dial_in=dial_in
    )
    day = meeting.start.astimezone(ZoneInfo("Asia/Tokyo")).date()
    container.bookings.replace_feed_busy(owner, day, [meeting], refreshed_at=now, digest="d1")


def test_join_meeting_in_a_room_dials_the_zoom_bridge_with_its_digits_and_never_speaks_the_pin(
    alexa: Invoke, container: Container, event: Callable[[str], dict[str, Any]]
) -> None:
    # Given a Zoom meeting starting in five minutes on Fuji's calendar
    _store_meeting(container, "fuji", (INVITES / "zoom-en-us.txt").read_text(encoding="utf-8"))

    # When the room is asked to join it
    asked = alexa(event("call_join_meeting_room.json"))

    # Then, on a shared device, Alexa first asks to confirm the meeting by its start time, dialling nothing
    start = container.bookings.busy_between("fuji", datetime.now(UTC), datetime.now(UTC) + timedelta(hours=1), "UTC")
    assert directive(asked)["type"] == "Dialog.ConfirmIntent" and dialled(container) == []
    assert f"Join the {clock_words(start[0].start, 'Asia/Tokyo', 'en-US')} meeting?" in speech(asked)

    # When the listener confirms
    joined = alexa(event("call_join_meeting_room_confirmed.json"))

    # Then the room phone dials the Japanese bridge and sends meeting id and passcode, none of it spoken
    ((first, to, digits),) = dialled(container)
    assert first == ROOM_PHONE and to.startswith("+81")
    assert digits is not None and "85012345678#" in digits and "552913#" in digits
    assert "Joining the meeting." in speech(joined) and not re.search(r"\d", speech(joined))


def test_a_denied_join_changes_nothing(alexa: Invoke, container: Container) -> None:
    # Given a Zoom meeting on Fuji's calendar, and the room's "Join the … meeting?" answered no
    _store_meeting(container, "fuji", (INVITES / "zoom-en-us.txt").read_text(encoding="utf-8"))
    denied = alexa(intent_request("JoinMeetingIntent", {}, confirmation="DENIED", **ROOM))

    # Then nothing is dialled or logged
    assert "OK, I won't join." in speech(denied) and ended(denied)
    assert dialled(container) == [] and container.calls.list_calls() == []


def test_join_meeting_on_a_personal_device_uses_the_users_calendar(alexa: Invoke, container: Container) -> None:
    _store_meeting(container, "user:alice", (INVITES / "zoom-en-us.txt").read_text(encoding="utf-8"))
    joined = alexa(intent_request("JoinMeetingIntent", {}, **DESK))
    assert [call[0] for call in dialled(container)] == ["+819012345678"]
    assert "Your phone will ring first." in speech(joined)


def test_join_without_a_meeting_says_so(alexa: Invoke, container: Container) -> None:
    answer = alexa(intent_request("JoinMeetingIntent", {}, **ROOM))
    assert "I can't see a meeting with a dial-in number" in speech(answer)
    assert dialled(container) == []


def _book_from_the_desk(alexa: Invoke, container: Container) -> Booking:
    """Alice's booking of Fuji from now for half an hour, made at her desk (not checked in)."""
    alexa(intent_request("BookRoomIntent", {"room": "Fuji", "duration": "PT30M"}, **DESK))
    [booking] = _fuji_bookings(container)
    assert booking.status is BookingStatus.BOOKED
    return booking


def _fuji_bookings(container: Container) -> list[Booking]:
    now = datetime.now(UTC)
    return container.bookings.list_bookings("fuji", now - timedelta(hours=1), now + timedelta(hours=2), "Asia/Tokyo")


def _checked_in(booking: Booking, locale: str) -> str:
    until = clock_words(booking.end, "Asia/Tokyo", locale)
    return {
        "en-US": f"You're checked in. Fuji is yours until {until}.",
        "ja-JP": f"チェックインしました。Fujiは{until}までご利用いただけます。",
    }[locale]


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_starting_the_meeting_in_a_booked_room_without_a_call_checks_the_booking_in(
    alexa: Invoke, container: Container, locale: str
) -> None:
    # Given Alice's desk booking of Fuji now, and no meeting with a dial-in on Fuji's calendar
    booking = _book_from_the_desk(alexa, container)

    # When the room hears "start the meeting"
    answer = alexa(intent_request("JoinMeetingIntent", {}, **ROOM, locale=locale))

    # Then the booking is checked in and that is the answer; nothing is dialled
    assert plain(answer) == _checked_in(booking, locale) and ended(answer)
    assert [b.status for b in _fuji_bookings(container)] == [BookingStatus.CHECKED_IN]
    assert dialled(container) == []


def test_joining_a_call_from_the_room_checks_its_booking_in_too(alexa: Invoke, container: Container) -> None:
    # Given Alice's desk booking of Fuji now and a Zoom meeting on Fuji's calendar
    _book_from_the_desk(alexa, container)
    _store_meeting(container, "fuji", (INVITES / "zoom-en-us.txt").read_text(encoding="utf-8"))

    # When the room hears "connect me to the conference call"
    asked = alexa(intent_request("JoinMeetingIntent", {}, **ROOM))

    # Then the join is asked first, as before, and the booking is already checked in
    assert directive(asked)["type"] == "Dialog.ConfirmIntent" and "Join the" in speech(asked)
    assert [b.status for b in _fuji_bookings(container)] == [BookingStatus.CHECKED_IN]


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_a_room_without_join_meeting_checks_in_rather_than_refuse(
    alexa: Invoke, container: Container, locale: str
) -> None:
    # Given a second device in Fuji whose skill group has booking but not join-meeting
    container.fleet.put_doc("group", codec.group_to_doc(SkillGroup("book-only", ("booking",))))
    device = Device("amzn1.ask.device.BOOKONLY", DeviceKind.SHARED, room="fuji", skill_group="book-only")
    container.fleet.put_doc("device", codec.device_to_doc(device))
    there = {**ROOM, "device_id": device.id, "locale": locale}

    # When "start the meeting" is said there with nothing booked, it is not available
    assert (
        plain(alexa(intent_request("JoinMeetingIntent", {}, **there)))
        == {
            "en-US": "That isn't available on this device.",
            "ja-JP": "その機能はこのデバイスでは使えません。",
        }[locale]
    )

    # When it is said once Alice has booked the room, the booking is checked in
    booking = _book_from_the_desk(alexa, container)
    answer = alexa(intent_request("JoinMeetingIntent", {}, **there))
    assert plain(answer) == _checked_in(booking, locale)
    assert [b.status for b in _fuji_bookings(container)] == [BookingStatus.CHECKED_IN]
    assert dialled(container) == [] and container.calls.list_calls() == []


def test_the_dialer_is_the_chime_sdk_one_when_settings_name_ssm_parameters(
    aws_endpoint: str, table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the SIP media application id and the calling number in SSM, named by the settings
    import boto3

    from skill.adapters.chime_dialer import ChimeDialer
    from skill.adapters.pacing import PacedDialer
    from skill.bootstrap import build
    from skill.config import Settings

    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", aws_endpoint)
    ssm = boto3.client("ssm", endpoint_url=aws_endpoint, region_name="us-east-1")
    ssm.put_parameter(Name="/office/test/sma-id", Value="sma-123", Type="String", Overwrite=True)
    ssm.put_parameter(Name="/office/test/from-number", Value="+12065550199", Type="SecureString", Overwrite=True)
    settings = Settings(
        skill_id=APP,
        table=table,
        sma_id_parameter="/office/test/sma-id",
        from_number_parameter="/office/test/from-number",
    )

    # When the container builds its dialer
    dialer = build(settings).dialer

    # Then it places calls through the Chime SDK from that number, its ids read from SSM, at the telephony API's
    # calls per second
    assert isinstance(dialer, PacedDialer) and isinstance(dialer.dialer, ChimeDialer)
    assert dialer.dialer.ids == ("sma-123", "+12065550199")
    assert dialer.tokens.rate == settings.calls_per_second == 1.0
    assert build(settings).dialer_provider == "chime" and build(Settings(skill_id=APP)).dialer_provider == "local"
