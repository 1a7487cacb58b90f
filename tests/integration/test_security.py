"""Hostile cases, tried as a stranger, a calendar invitation or a careless admin would, through the real entry
points (the skill's request path on moto's DynamoDB, `office-admin`, `office-skill serve`, the SIP media
application's handler). One named case per rule of issue 15:

- limits: a device or a person over its limit does nothing more, and a flooded host gets one digest;
- lobby privacy: part of a name checks nobody out and says no visitor's name;
- dialing: what calendar text and spoken numbers may make a room dial;
- imports: a hostile address book changes nothing;
- fail closed: no skill id, or no Alexa signature beyond loopback, is no answer;
- SSRF: feeds and webhooks never reach inside the network;
- SIP handler and published feeds: a forged bridge rings nobody, a rotated feed URL is gone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from admin_cli import CliResult
from alexa_ca import AlexaCA
from fakes import FixedClock, RecordingSender
from support import Canned, Conversation, lambda_context, serving, sma_event, sma_leg, speech

from skill import app
from skill.bootstrap import Container, Services, build
from skill.config import LOCAL_SKILL_ID, Settings
from skill.domain.calls import CallRecord, CallStatus, call_id
from skill.domain.model import BusyInterval
from skill.local.envelopes import intent_request, launch_request
from skill.local.signature import SignatureVerifier, use_verifier

ROOT = Path(__file__).resolve().parents[2]
INVITES = ROOT / "tests" / "fixtures" / "invites"
ROOM = {"application_id": LOCAL_SKILL_ID, "device_id": "amzn1.ask.device.TESTROOM", "user_id": "amzn1.ask.account.X"}
DESK = {"application_id": LOCAL_SKILL_ID, "device_id": "amzn1.ask.device.TESTDESK", "user_id": "amzn1.ask.account.X"}
LOBBY = {"application_id": LOCAL_SKILL_ID, "device_id": "amzn1.ask.device.TESTLOBBY", "user_id": "amzn1.ask.account.X"}
Invoke = Callable[[dict[str, Any]], dict[str, Any]]
Admin = Callable[..., CliResult]
Start = Callable[[dict[str, tuple[int, dict[str, str], bytes]]], Canned]


def dialled(container: Container) -> list[str]:
    return [call.to for call in container.dialer.calls]  # type: ignore[attr-defined]


def meeting_on(container: Container, owner: str, text: str) -> None:
    """A meeting starting in five minutes on `owner`'s calendar, `text` as its invitation."""
    now = datetime.now(UTC)
    meeting = BusyInterval(now + timedelta(minutes=5), now + timedelta(minutes=65), "feed", ref="m-1", dial_in=text)
    day = meeting.start.astimezone(ZoneInfo("Asia/Tokyo")).date()
    container.bookings.replace_feed_busy(owner, day, [meeting], refreshed_at=now, digest="d")


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def template() -> dict[str, Any]:
    """infra/template.yaml as data; an intrinsic function with a text argument (`!Sub "…"`) reads as that text."""

    class Loader(yaml.SafeLoader):
        pass

    def intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        return loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None

    Loader.add_multi_constructor("!", intrinsic)
    loaded: dict[str, Any] = yaml.load((ROOT / "infra" / "template.yaml").read_text(encoding="utf-8"), Loader=Loader)
    return loaded


@pytest.fixture
def admin(office_admin: Callable[..., CliResult], container: Container) -> Admin:
    """`office-admin` on the test office's table."""
    return lambda *argv: office_admin(container.settings.table, *argv)


# ---------------------------------------------------------------- 1. limits


def confirmed(intent: str, slots: dict[str, Any], device: dict[str, str], **extra: Any) -> dict[str, Any]:
    """An intent request as a stranger can forge it: already confirmed, in a session of its own."""
    return intent_request(intent, slots, confirmation="CONFIRMED", **device, **extra)


def limit_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("message") == "limit reached"]


def test_a_lobby_visitor_cannot_check_in_an_endless_crowd(
    invoke: Invoke, container: Container, counted: Callable[[str], int], log_lines: Callable[[], list[Any]]
) -> None:
    # Given the lobby device, which may check in 30 visitors an hour (the contract's default)
    container.clock = FixedClock()

    # When someone confirms 31 check-ins of made-up visitors for Alice within the hour
    answers = [
        speech(
            invoke(confirmed("VisitorCheckInIntent", {"visitorName": f"Fake Guest {n}", "host": "Alice Tanaka"}, LOBBY))
        )
        for n in range(31)
    ]

    # Then the 31st is refused in a short sentence and stored nowhere: the host hears of 30 visitors at most
    assert answers[:30] == ["Thanks, Fake. Alice knows you're here." for _ in range(30)]
    assert answers[30] == "I can't check in more visitors from this device right now. Please ask a member of staff."
    assert len(container.visits.on_site()) == 30
    # And a metric counts it, with a log line that names the limit and the window, not the device or a name
    assert counted("CheckInLimitReached") == 1
    [line] = limit_lines(log_lines())
    assert (line["limit"], line["counter"], line["window"], line["max"]) == ("checkins", "device", "2026-12-01T01Z", 30)
    assert "Fake" not in json.dumps(line) and "TESTLOBBY" not in json.dumps(line)


def test_a_room_cannot_be_made_to_place_endless_calls(
    invoke: Invoke, container: Container, counted: Callable[[str], int]
) -> None:
    # Given Fuji's device, which may place 20 calls an hour
    container.clock = FixedClock()
    call_bob = {"calling": {"callee": "user:bob", "phoneType": "mobile"}}

    # When 21 calls to Bob are confirmed from it within the hour
    answers = [
        speech(
            invoke(
                confirmed(
                    "CallContactIntent", {"contact": "Bob Chen"}, ROOM, session_attributes=call_bob, new_session=False
                )
            )
        )
        for _ in range(21)
    ]

    # Then 20 are placed and the 21st is refused before anything is dialled or logged
    assert answers[20] == "This device has reached its limit on calls for this hour. Please try again later."
    assert all("Calling Bob Chen." in answer for answer in answers[:20])
    assert len(dialled(container)) == 20 and len(container.calls.list_calls()) == 20
    assert counted("CallLimitReached") == 1


def test_a_room_that_recognises_nobody_cannot_book_all_day_and_a_known_voice_keeps_its_own_count(
    invoke: Invoke, container: Container
) -> None:
    # Given Fuji's device, where bookings by nobody recognised count against the device: 10 a day
    container.clock = FixedClock()  # 10:00 in Tokyo
    tomorrow = "2026-12-02"

    def book(start: str, **extra: Any) -> str:
        slots = {"room": "this room", "date": tomorrow, "startTime": start, "duration": "PT15M"}
        return speech(invoke(confirmed("BookRoomIntent", slots, ROOM, **extra)))

    # When eleven quarter hours are booked from it by voices it does not know, then one by Alice's voice
    starts = [f"{9 + n // 4:02d}:{15 * (n % 4):02d}" for n in range(12)]
    answers = [book(start) for start in starts[:11]]
    by_alice = book(starts[11], person_id="amzn1.ask.person.TESTALICE")

    # Then the eleventh is refused and not stored; Alice, known by her voice, books on her own count
    assert answers[10] == "Today's limit on bookings has been reached. Please try again tomorrow."
    day = datetime(2026, 12, 2, tzinfo=ZoneInfo("Asia/Tokyo"))
    stored = container.bookings.list_bookings("fuji", day, day + timedelta(days=1), "Asia/Tokyo")
    assert [b.organizer for b in stored] == [None] * 10 + ["alice"]
    assert not by_alice.startswith("Today's limit")


def test_a_host_flooded_with_visitors_gets_ten_messages_and_one_digest(
    invoke: Invoke, container: Container, services: Services
) -> None:
    # Given twelve visitors checked in for Alice within one hour (her limit is 10 messages an hour)
    container.clock = FixedClock()
    outbox = RecordingSender()
    container.senders = {"email": outbox}  # type: ignore[misc]
    for n in range(12):
        invoke(confirmed("VisitorCheckInIntent", {"visitorName": f"Guest {n:02d}", "host": "Alice Tanaka"}, LOBBY))

    # When the outbox loop runs during the hour, then after it, then again
    during = [result.status for result in services.notifications.deliver_pending()]
    container.clock = FixedClock(FixedClock().at + timedelta(hours=1))
    after = [result.status for result in services.notifications.deliver_pending()]
    again = services.notifications.deliver_pending()

    # Then Alice got ten messages, one per visitor, then one digest naming the two others, and nothing more
    assert sorted(during) == ["delivered"] * 10 + ["digest"] * 2
    assert (after, again) == (["delivered"], [])
    assert len(outbox.sent) == 11 and {address for address, _ in outbox.sent} == {"alice@example.com"}
    told = {text.split(" is at reception")[0] for _, text in outbox.sent[:10]}
    digest = outbox.sent[10][1]
    assert digest.startswith("Also at reception to see you between 10:00 and 11:00: ")
    kept = set(digest.removeprefix("Also at reception to see you between 10:00 and 11:00: ").rstrip(".").split(", "))
    assert len(kept) == 2 and told | kept == {f"Guest {n:02d}" for n in range(12)}


# ---------------------------------------------------------------- 2. lobby privacy


def test_check_out_smith_checks_nobody_out_and_speaks_no_visitors_name(invoke: Invoke, container: Container) -> None:
    # Given Johanna Smith and John Smith on site
    for name in ("Johanna Smith", "John Smith"):
        invoke(confirmed("VisitorCheckInIntent", {"visitorName": name, "host": "Alice Tanaka"}, LOBBY))
    lobby = Conversation(invoke, LOBBY["device_id"], user="amzn1.ask.account.STRANGER")

    # When a stranger at the lobby says "check out Smith", then "check out Johanna"
    surname = speech(lobby.say("VisitorCheckOutIntent", visitorName="Smith"))
    given = speech(lobby.say("VisitorCheckOutIntent", visitorName="Johanna"))

    # Then nobody is checked out, and no name the stranger did not say is spoken
    assert surname == "Please say your full name, as you gave it when you checked in."
    assert given == "I couldn't find a visit under that name, so nothing changed."
    assert sorted(v.visitor_name for v in container.visits.on_site()) == ["Johanna Smith", "John Smith"]

    # And only the whole name, confirmed, checks one of them out, spoken back as it was said
    leaving = Conversation(invoke, LOBBY["device_id"], user="amzn1.ask.account.JOHANNA")
    asked = speech(leaving.say("VisitorCheckOutIntent", visitorName="johanna smith"))
    leaving.say("VisitorCheckOutIntent", "CONFIRMED", visitorName="johanna smith")
    assert asked == "Check out johanna smith?"
    assert [v.visitor_name for v in container.visits.on_site()] == ["John Smith"]


# ---------------------------------------------------------------- 3. dialing


@pytest.mark.parametrize(
    ("invite", "answer"),
    [
        ("Lunch chat. Call +1 876 555 1234", "I can't see a dial-in number in this meeting's invitation."),
        ("Lunch chat, details: tel:+18765551234,,1234#", "I can't see a dial-in number in this meeting's invitation."),
        ("Join Zoom Meeting https://zoom.us/j/1\nOne tap mobile\n+18765551234,,1#", "Calls to that country aren't"),
        ("Microsoft Teams meeting\nCall in: +881 6 1234 5678,,99#", "I can't call that kind of number."),
        ((INVITES / "meet-fr-fr.txt").read_text(encoding="utf-8"), "Calls to that country aren't allowed here."),
    ],
)
def test_calendar_text_cannot_make_a_room_dial_abroad(
    invoke: Invoke, container: Container, invite: str, answer: str
) -> None:
    # Given a meeting on Fuji's calendar (a Tokyo room allowed to call Japan and the US) whose invitation was
    # written by someone outside: a bare Caribbean number, a tel: link with no meeting provider, a Zoom
    # block with a Jamaican bridge, a Teams block with a satellite number, a real Meet bridge in France
    meeting_on(container, "fuji", invite)

    # When someone in the room says "join the meeting"
    joined = invoke(intent_request("JoinMeetingIntent", {}, **ROOM))

    # Then nothing is dialled, and the room says why without reading a number out
    assert answer in speech(joined)
    assert dialled(container) == []


@pytest.mark.parametrize(
    ("number", "answer"),
    [
        ("+881612345678", "I can't call that kind of number."),  # Iridium satellite
        ("+870773123456", "I can't call that kind of number."),  # Inmarsat
        ("+1 876 555 1234", "Calls to that country aren't allowed here."),  # Jamaica
        ("+1 809 555 1234", "Calls to that country aren't allowed here."),  # Dominican Republic
        ("0570 012 345", "I can't call that kind of number."),  # Japanese navi-dial (UAN)
        ("0990 123 456", "I can't call premium-rate numbers."),
    ],
)
def test_satellite_caribbean_and_premium_numbers_are_never_dialled(
    invoke: Invoke, container: Container, number: str, answer: str
) -> None:
    # Given Alice's own device, which may dial numbers, at a Tokyo site allowed to call Japan and the US
    # When she confirms a call to the number
    placed = invoke(intent_request("DialNumberIntent", {"phoneNumber": number}, confirmation="CONFIRMED", **DESK))

    # Then it is refused and logged as refused, and nothing is dialled
    assert answer in speech(placed)
    assert dialled(container) == []
    assert [call.status for call in container.calls.list_calls()] == [CallStatus.REFUSED]


def test_a_shared_room_that_may_not_dial_numbers_still_joins_its_meeting_after_asking(
    invoke: Invoke, container: Container
) -> None:
    # Given Fuji (whose policy lets shared devices call employees and contacts, not numbers) with a Zoom
    # meeting that has a Japanese bridge
    meeting_on(container, "fuji", (INVITES / "zoom-en-us.txt").read_text(encoding="utf-8"))

    # When someone in the room says "join the meeting", then "yes"
    asked = invoke(intent_request("JoinMeetingIntent", {}, **ROOM))
    joined = invoke(intent_request("JoinMeetingIntent", {}, confirmation="CONFIRMED", **ROOM))

    # Then it asked first and dialled nothing until confirmed; then the bridge in Japan
    assert speech(asked).startswith("Join the ") and speech(asked).endswith(" meeting?")
    assert "Joining the meeting." in speech(joined)
    assert dialled(container) == ["+81345781488"]


# ---------------------------------------------------------------- 4. imports


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        (
            "extra.csv",
            "name,mobile\nTaxi,03-1234-5678\nAlice,090-1234-5678,x,y\n",
            "line 3: 4 cells, but the header has 2",
        ),
        ("cut.vcf", "BEGIN:VCARD\nVERSION:3.0\nFN:Alice\nTEL:090-1234-5678\n", "line 1: vCard not closed"),
        ("latin.csv", "name,mobile\nRené,090\n".encode() + b"Bad \xff,090\n", "line 3: not valid UTF-8 text"),
        ("noname.csv", "name,mobile\nTaxi,03-1234-5678\n,090-1234-5678\n", "line 3: no name"),
        ("police.csv", "name,mobile\nPolice,110\n", "line 2: mobile number not usable (emergency)"),
    ],
)
def test_a_hostile_address_book_changes_nothing(
    admin: Admin, container: Container, tmp_path: Path, name: str, content: str | bytes, problem: str
) -> None:
    # Given an address book with one fault among good entries
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = container.fleet.docs("contact")

    # When it is imported
    result = admin("contacts", "import", str(path))

    # Then it exits 2 naming the file and line, with no traceback, and the contacts are as they were
    assert result.code == 2
    assert f"{path}: {problem}" in result.err and "Traceback" not in result.err
    assert container.fleet.docs("contact") == before


# ---------------------------------------------------------------- 5. fail closed


def test_an_empty_skill_id_refuses_every_request(aws_endpoint: str, table: str) -> None:
    # Given the skill function deployed with SKILL_ID set but empty
    import boto3

    settings = Settings.from_env({"SKILL_ID": "", "OFFICE_TABLE": table})
    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    with serving(Services(build(settings, client))):
        # When requests for this skill's id and for any other arrive / Then each is refused
        for application_id in (LOCAL_SKILL_ID, "amzn1.ask.skill.anything", ""):
            envelope = launch_request(application_id=application_id, device_id="d", user_id="u")
            with pytest.raises(app.ForeignSkillError):
                app.handle_skill_event(envelope)


def test_the_template_cannot_be_deployed_without_a_skill_id() -> None:
    # Given the SAM template's SkillId parameter
    skill_id = template()["Parameters"]["SkillId"]

    # Then it has no default, and its pattern refuses an empty value
    import re

    assert "Default" not in skill_id
    assert not re.fullmatch(skill_id["AllowedPattern"], "")
    assert re.fullmatch(skill_id["AllowedPattern"], "amzn1.ask.skill.0a1b2c3d-4e5f")


@pytest.fixture
def open_server(invoke: Invoke, alexa_ca: AlexaCA) -> Iterator[str]:
    """The skill endpoint listening on every interface (as `office-skill serve --host 0.0.0.0`), trusting
    the tests' root CA; its URL through loopback."""
    from skill.local.server import make_server, serve_in_thread

    server = make_server("0.0.0.0", 0)
    use_verifier(server, SignatureVerifier(roots=[alexa_ca.root], fetch=alexa_ca.fetch))
    serve_in_thread(server)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_server_beyond_loopback_answers_only_requests_signed_by_alexa(
    open_server: str, alexa_ca: AlexaCA, container: Container
) -> None:
    # Given a request from the room's device, made now
    body = json.dumps(intent_request("DialNumberIntent", {"phoneNumber": "0312345678"}, confirmation="CONFIRMED",
                                     **DESK)).encode()  # fmt: skip
    forger = AlexaCA()
    stale = json.dumps(launch_request(now=datetime.now(UTC) - timedelta(minutes=5), **ROOM)).encode()

    # When it is sent unsigned, signed by another key, replayed five minutes late, and signed as Alexa does
    unsigned = post(open_server, body)
    forged = post(open_server, body, alexa_ca.sign(body, key=forger.signer_key))
    replayed = post(open_server, stale, alexa_ca.sign(stale))
    genuine = post(open_server, body, alexa_ca.sign(body))

    # Then only the signed one is answered: the others get 400 and dial nothing
    assert [unsigned[0], forged[0], replayed[0]] == [400, 400, 400]
    assert b"request is not signed" in unsigned[1] and b"signature does not match" in forged[1]
    assert b"150 seconds" in replayed[1]
    assert genuine[0] == 200 and dialled(container) == ["+81312345678"]


def test_office_skill_serve_on_every_interface_refuses_unsigned_requests(tmp_path: Path) -> None:
    # Given `office-skill serve --host 0.0.0.0` as an operator would start it (its own embedded store)
    from skill.local.awsserver import free_port

    port, db_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_ENDPOINT_URL", "SKILL_ID"))}
    command = [sys.executable, "-m", "skill.local.cli", "serve", "--host", "0.0.0.0", "--port", str(port),
               "--db-port", str(db_port), "--refresh-every", "3600"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("skill endpoint:"):
                break

        # When an envelope for its own skill id arrives without a signature
        envelope = json.dumps(launch_request(**ROOM)).encode()
        status, body = post(f"http://127.0.0.1:{port}/", envelope)
    finally:
        process.terminate()
        process.wait(timeout=15)

    # Then it is refused before the skill sees it
    assert status == 400 and b"request is not signed" in body


# ---------------------------------------------------------------- 6. SSRF


def test_apply_refuses_feed_and_webhook_urls_inside_the_network(
    admin: Admin, container: Container, tmp_path: Path
) -> None:
    # Given a fleet file whose room feed is the cloud metadata service and whose webhook is a private address
    doc = yaml.safe_load((ROOT / "tests" / "fixtures" / "office.yaml").read_text(encoding="utf-8"))
    doc["rooms"][1]["calendar"] = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    doc["users"][0]["notify"] = [{"webhook": "http://10.0.0.5:8080/admin"}]
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(yaml.safe_dump(doc), encoding="utf-8")

    # When it is applied
    result = admin("apply", str(fleet))

    # Then both fields are named, nothing is written
    assert result.code == 2
    assert "rooms[1].calendar: refused (metadata address)" in result.err
    assert "users[0].notify[0].webhook: refused (private address)" in result.err
    assert container.fleet.get_room("everest").calendar is None  # type: ignore[union-attr]


def test_a_feed_that_redirects_to_the_metadata_service_is_not_followed(
    admin: Admin, container: Container, canned_server: Start
) -> None:
    # Given Everest's feed on a server (on this machine, allowed beside a local table) that redirects to
    # the metadata service
    redirect = {"Location": "http://169.254.169.254/latest/meta-data/iam/security-credentials/"}
    feed = canned_server({"/everest.ics": (302, redirect, b"")})
    everest = container.fleet.docs("room")["everest"]
    container.fleet.put_doc("room", {**everest, "calendar": f"{feed.url}/everest.ics"})

    # When the feeds are refreshed
    result = admin("calendars", "refresh", "--room", "everest")

    # Then the refresh fails for that feed, saying why; the redirect was not followed
    assert result.code == 1
    assert "everest: failed (refused: metadata address)" in result.out
    assert feed.received == [("GET", "/everest.ics")]


def test_a_lambda_function_reads_no_file_feed_and_no_loopback_feed(
    aws_endpoint: str, table: str, container: Container, canned_server: Start, tmp_path: Path
) -> None:
    # Given rooms whose feeds are a file and a server on loopback, refreshed by the Lambda function
    import boto3

    path = tmp_path / "fuji.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    feed = canned_server({"/everest.ics": (200, {}, path.read_bytes())})
    for room, calendar in (("fuji", str(path)), ("everest", f"{feed.url}/everest.ics")):
        doc = container.fleet.docs("room")[room]
        container.fleet.put_doc("room", {**doc, "calendar": calendar})
    settings = replace(container.settings, in_lambda=True, allow_loopback_urls=False)
    in_lambda = build(settings, boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1"))

    # When the refresh runs there
    refreshed = Services(in_lambda).calendars.refresh_all(in_lambda.clock.now())
    results = {result.owner: result.reason for result in refreshed}

    # Then neither is read
    assert results == {"fuji": "refused: file feed", "everest": "refused: loopback address"}
    assert feed.received == []


# ---------------------------------------------------------------- 7. SIP handler and published feeds


def test_a_forged_or_replayed_sip_event_rings_nobody(aws_endpoint: str, table: str) -> None:
    # Given a call the skill placed through Chime to a meeting bridge, and one that is over
    import boto3

    client = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    office = build(Settings(skill_id=LOCAL_SKILL_ID, table=table), client)
    now = datetime.now(UTC)
    live = CallRecord(call_id("req-1", "+81345781234"), "dev", "+81345781234", CallStatus.RINGING, "chime", now)
    over = replace(live, id=call_id("req-0", "+81345781234"), status=CallStatus.ENDED)
    for call in (live, over):
        office.calls.start(call)
    room_leg = [sma_leg("LEG-A", "leg-a", "+81312340005")]
    with serving(Services(office)):
        # When the SIP media application reports the first phone answered, with another number to bridge
        # to, and with the ended call's id replayed
        forged = app.sma_handler(
            sma_event("CALL_ANSWERED", room_leg, {"CallId": live.id, "BridgeTo": "+18765551234"}), lambda_context()
        )
        replayed = app.sma_handler(
            sma_event("CALL_ANSWERED", room_leg, {"CallId": over.id, "BridgeTo": over.to}), lambda_context()
        )

    # Then both hang up the first phone and call nobody else; the forged call is logged as refused
    assert [a["Type"] for a in forged["Actions"]] == ["Hangup"] == [a["Type"] for a in replayed["Actions"]]
    assert office.calls.get(live.id).status is CallStatus.REFUSED  # type: ignore[union-attr]


def test_the_sip_handlers_permission_names_its_source() -> None:
    permission = template()["Resources"]["SmaInvokedByChime"]["Properties"]
    assert permission["Principal"] == "voiceconnector.chime.amazonaws.com"
    assert permission["SourceArn"].endswith(":sma/*") and permission["SourceAccount"]


def test_a_rotated_feed_url_is_gone(admin: Admin, invoke: Invoke) -> None:
    # Given Fuji's subscription URL, shared with someone who should no longer see it
    from skill.local.server import make_server, serve_in_thread

    server = make_server("127.0.0.1", 0)
    serve_in_thread(server)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        old = admin("calendars", "publish-url", "fuji", "--base", base).out.strip()
        assert urllib.request.urlopen(old, timeout=5).status == 200

        # When the admin rotates it
        new = admin("calendars", "publish-url", "fuji", "--base", base, "--rotate").out.strip()

        # Then the old URL is 404 and the new one serves the feed
        with pytest.raises(urllib.error.HTTPError) as gone:
            urllib.request.urlopen(old, timeout=5)
        assert gone.value.code == 404 and urllib.request.urlopen(new, timeout=5).status == 200
    finally:
        server.shutdown()
        server.server_close()
