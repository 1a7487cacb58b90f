"""IAM by execution: every function of infra/template.yaml runs its real code paths through its Lambda entry
point, in a process of its own with the environment the template gives it, against moto's server behind a
recording proxy. Each AWS request is evaluated against that function's own policy statements from the
transformed template (actions, resources including `/index/…`, `dynamodb:LeadingKeys`), as IAM would.

The skill hears a day at the office (launch, status, booking, extending, ending, finding, cancelling, calls,
joining a meeting, a room problem, a visitor's check-in and check-out, expecting a visitor, a new device's
enrolment and claim); the notifier gets the stream records of the visit and the problem the skill stored, and
on its schedule sends the digest of an hour's visitors beyond their host's limit; the usage function folds the
day's stream records (bookings, feed busy time, visits, calls, the problem) into usage counters; the refresher
reads a room's feed, a changed feed and a failing one; the sweeper checks out yesterday's visitors and releases
a no-show; the published feed is asked with a wrong and a right token; the SIP media handler follows the placed
calls.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
import yaml
from fakes import read_no_contacts
from iam import Stack, allowed, denied, grants, without
from lambdahost import LambdaProcess
from recordingproxy import Check, RecordingProxy
from streams import delivered, problem_inserts, stream_records, visit_inserts
from support import Conversation, http_server, sma_event, sma_leg, speech

from skill.config import LOCAL_SKILL_ID
from skill.local.envelopes import launch_request

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TOKYO = ZoneInfo("Asia/Tokyo")
ROOM = "amzn1.ask.device.TESTROOM"
LOBBY = "amzn1.ask.device.TESTLOBBY"
DESK = "amzn1.ask.device.TESTDESK"
NEW_DEVICE = "amzn1.ask.device.NEWECHO"
ALICE = "amzn1.ask.account.TESTALICE"
SENDER = "reception@example.com"
WEBHOOK_PARAMETER = "/office-assistant/webhooks/reception"
UNAVAILABLE = "I couldn't reach the booking system"
SQS = "arn:aws:sqs:us-east-1:123456789012"


@dataclass
class Run:
    """What one day at the office did: each function's checks, and what the people involved saw."""

    stack: Stack
    checks: dict[str, list[Check]] = field(default_factory=dict)
    heard: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    hooks: list[bytes] = field(default_factory=list)
    calls_placed: list[dict[str, Any]] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ fixtures


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def room_feed(now: datetime, *, with_later_meeting: bool) -> bytes:
    """Fuji's calendar: a Teams meeting on now (with its dial-in), and perhaps one later today."""
    start = now - timedelta(minutes=5)
    events = [
        (
            "teams",
            start,
            start + timedelta(hours=1),
            "Weekly sync\\n\\nMicrosoft Teams meeting\\nOr call in (audio only)\\n+81 3-4578-1234\\,\\,842193567#",
        ),
    ]
    if with_later_meeting:
        events.append(("later", start + timedelta(hours=2), start + timedelta(hours=3), "Planning"))
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{stamp(begin)}\r\nDTEND:{stamp(end)}\r\n"
        f"SUMMARY:{uid}\r\nDESCRIPTION:{text}\r\nEND:VEVENT\r\n"
        for uid, begin, end, text in events
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n".encode()


def office(feeds: str) -> dict[str, Any]:
    """The test office, with Alice told by email, SMS and a webhook kept in SSM, calendars on `feeds`, and Kita, a
    room with no device (joining Fuji's meeting from its room would check a booking there in)."""
    doc: dict[str, Any] = yaml.safe_load((FIXTURES / "office.yaml").read_text(encoding="utf-8"))
    doc["rooms"].append({"id": "kita", "name": "Kita", "floor": 3, "capacity": 6})
    alice = next(user for user in doc["users"] if user["id"] == "alice")
    alice["notify"] = [
        {"email": "alice@example.com"},
        {"sms": "+81 90-1234-5678"},
        {"webhook": f"ssm:{WEBHOOK_PARAMETER}"},
    ]
    alice["calendar"] = f"{feeds}/alice.ics"
    doc["site"]["facilities"] = [{"email": "facilities@example.com"}, {"webhook": f"ssm:{WEBHOOK_PARAMETER}"}]
    next(room for room in doc["rooms"] if room["id"] == "fuji")["calendar"] = f"{feeds}/fuji.ics"
    return doc


@pytest.fixture(scope="module")
def run(aws_endpoint: str, transformed: dict[str, Any]) -> Iterator[Run]:
    """One day at the office, every function in its own process under its own policy; the checks recorded."""
    from skill.adapters.dynamodb.bookings import DynamoBookingStore
    from skill.adapters.dynamodb.fleet import DynamoFleetStore
    from skill.adapters.dynamodb.schema import ensure_table
    from skill.adapters.dynamodb.table import Table
    from skill.adapters.dynamodb.visits import DynamoVisitStore
    from skill.adapters.egress import policy_from_env
    from skill.domain.fleet import parse_fleet
    from skill.domain.limits import notification_quota
    from skill.domain.model import Booking, Limits
    from skill.domain.reception import Visit
    from skill.services.fleet import FleetService

    table_name = "iam-" + uuid.uuid4().hex[:12]
    admin = boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1")
    ensure_table(admin, table_name)
    stack = Stack(
        transformed,
        {
            "SkillId": LOCAL_SKILL_ID,
            "TableName": table_name,
            "SenderEmail": SENDER,
            "NotifyParameterPath": "office-assistant",
            "SipMediaApplicationIdParameter": "/office-assistant/sma-id",
            "FromNumberParameter": "/office-assistant/from-number",
        },
    )
    result = Run(stack)
    now = datetime.now(UTC)
    feed = {"fuji.ics": room_feed(now, with_later_meeting=True)}

    def serve_feed(request: BaseHTTPRequestHandler) -> None:
        body = feed.get(request.path.lstrip("/"))
        request.send_response(200 if body is not None else 500)
        request.send_header("Content-Length", str(len(body or b"")))
        request.end_headers()
        request.wfile.write(body or b"")

    def take_hook(request: BaseHTTPRequestHandler) -> None:
        result.hooks.append(request.rfile.read(int(request.headers["Content-Length"])))
        request.send_response(200)
        request.send_header("Content-Length", "0")
        request.end_headers()

    with http_server(serve_feed) as feeds, http_server(take_hook) as hook:
        # The office as the admin applies it, the secrets in SSM and the sender verified in SES
        table = Table(admin, table_name)
        fleet_admin = FleetService(DynamoFleetStore(table, cache_ttl=0), read_contacts=read_no_contacts)
        fleet_admin.apply(fleet_admin.plan(parse_fleet(office(feeds), egress=policy_from_env()), prune=False))
        ssm = boto3.client("ssm", endpoint_url=aws_endpoint, region_name="us-east-1")
        for name, value in (
            ("/office-assistant/sma-id", "sma-test-1"),
            ("/office-assistant/from-number", "+12065550100"),
            (WEBHOOK_PARAMETER, f"{hook}/reception"),
        ):
            ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
        boto3.client("sesv2", endpoint_url=aws_endpoint, region_name="us-east-1").create_email_identity(
            EmailIdentity=SENDER
        )
        # Two visitors still on site since yesterday, one for a host who has left the fleet since; one who came to
        # see Bob last hour beyond his hourly limit, kept for that hour's digest; and a booking in Kita nobody came
        # to, started half an hour ago
        expires = int((now + timedelta(days=30)).timestamp())
        visits, yesterday, last_hour = DynamoVisitStore(table), now - timedelta(days=1), now - timedelta(hours=1)
        visits.add_visit(Visit("v-yesterday", "Ivo Berg", None, "bob", yesterday), "Asia/Tokyo", expires)
        visits.add_visit(Visit("v-left", "Mia Wong", None, "someone-gone", yesterday), "Asia/Tokyo", expires)
        crowd = Visit("v-crowd", "Ada Park", None, "bob", last_hour, checked_out_at=last_hour + timedelta(minutes=5))
        visits.add_visit(crowd, "Asia/Tokyo", expires)
        visits.hold_for_digest(notification_quota("bob", Limits(), last_hour), crowd, "Asia/Tokyo")
        visits.set_notify_status(crowd, "Asia/Tokyo", "digest")
        start = now.replace(minute=(now.minute // 15) * 15, second=0, microsecond=0) - timedelta(minutes=30)
        DynamoBookingStore(table).add_booking(
            Booking("no-show", "kita", start, start + timedelta(hours=1), organizer="bob", created_at=start),
            "Asia/Tokyo",
        )

        proxies: dict[str, RecordingProxy] = {}
        processes: dict[str, LambdaProcess] = {}

        def function(name: str) -> LambdaProcess:
            if name not in processes:
                proxies[name] = RecordingProxy(aws_endpoint).start()
                env = {
                    "PATH": os.environ.get("PATH", ""),
                    "HOME": os.environ.get("HOME", "/tmp"),
                    "AWS_ENDPOINT_URL": proxies[name].url,
                    "AWS_REGION": "us-east-1",
                    "AWS_DEFAULT_REGION": "us-east-1",
                    "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing",
                    "AWS_LAMBDA_FUNCTION_NAME": name,
                    "OFFICE_ALLOW_LOOPBACK_URLS": "1",  # the test's feed and webhook servers are on 127.0.0.1
                    **stack.environment(name),
                }
                timeout = float(stack.functions()[name]["Properties"].get("Timeout", 10))
                processes[name] = LambdaProcess(stack.handler(name), env, timeout)
            return processes[name]

        try:
            # The refresher reads Fuji's feed (Alice's own answers 500), then again after a meeting was dropped
            result.answers["refresh"] = function("RefresherFunction").invoke(scheduled_event())
            feed["fuji.ics"] = room_feed(now, with_later_meeting=False)
            result.answers["refresh again"] = function("RefresherFunction").invoke(scheduled_event())

            skill = function("SkillFunction").invoke
            day_at_the_office(skill, result, now, lambda *argv: admin_cli(aws_endpoint, table_name, *argv))

            inserted = visit_inserts(admin, table_name) + problem_inserts(admin, table_name)
            result.answers["notifier"] = function("NotifierFunction").invoke({"Records": inserted})
            result.answers["digests"] = function("NotifierFunction").invoke(scheduled_event())
            lobby = Conversation(skill, LOBBY, user="amzn1.ask.account.VISITOR")
            result.heard["check out?"] = speech(lobby.say("VisitorCheckOutIntent", visitorName="Ken Sato"))
            result.heard["check out"] = speech(lobby.say("VisitorCheckOutIntent", "CONFIRMED", visitorName="Ken Sato"))

            result.answers["sweeper"] = function("SweeperFunction").invoke(scheduled_event())

            feed_function = function("CalendarFeedFunction").invoke
            result.answers["feed, wrong token"] = feed_function(feed_request("/rooms/fuji/calendar.ics", "wrong"))
            url = admin_cli(aws_endpoint, table_name, "calendars", "publish-url", "fuji").strip()
            token = url.rpartition("token=")[2]
            result.answers["feed"] = feed_function(feed_request("/rooms/fuji/calendar.ics", token))

            result.calls_placed = [call for p in proxies.values() for call in p.calls_placed]
            sma = function("SmaFunction").invoke
            for call in result.calls_placed:
                arguments = call["ArgumentsMap"]
                leg = sma_leg("LEG-A", "leg-a", call["ToPhoneNumber"])
                sma(sma_event("NEW_OUTBOUND_CALL", [leg], arguments))
                result.answers.setdefault("sma", []).append(
                    sma(sma_event("CALL_ANSWERED", [leg], {**arguments, "Stage": "ringing"}, sequence=2))
                )
            # The usage function folds what its event source passes on of the day's stream, the problem reported
            # by voice among it
            usage_source = next(
                r["Properties"]
                for r in transformed["Resources"].values()
                if r["Type"] == "AWS::Lambda::EventSourceMapping"
                and r["Properties"]["FunctionName"] == {"Ref": "UsageFunction"}
            )
            facts = delivered(stream_records(admin, table_name), usage_source)
            result.answers["usage"] = function("UsageFunction").invoke({"Records": facts})
            result.answers["usage items"] = [
                item["SK"]["S"]
                for item in admin.scan(TableName=table_name)["Items"]
                if item["PK"]["S"].startswith("USAGE#")
            ]
        finally:
            for process in processes.values():
                process.close()
            for proxy in proxies.values():
                proxy.stop()
        result.checks = {name: proxy.checks for name, proxy in proxies.items()}
        yield result


def day_at_the_office(
    skill: Callable[[dict[str, Any]], Any], result: Run, now: datetime, office_admin: Callable[..., str]
) -> None:
    room = Conversation(skill, ROOM)
    desk = Conversation(skill, DESK, user=ALICE)
    lobby = Conversation(skill, LOBBY, user="amzn1.ask.account.VISITOR")
    heard = result.heard
    tomorrow = (now.astimezone(TOKYO) + timedelta(days=1)).date().isoformat()

    heard["launch"] = speech(skill(launch_request(application_id=LOCAL_SKILL_ID, device_id=ROOM, user_id="u")))
    heard["status"] = speech(room.say("RoomStatusIntent"))
    heard["book"] = speech(desk.say("BookRoomIntent", "CONFIRMED", room="Everest", duration="PT30M"))
    desk.attributes = {}
    heard["extend"] = speech(desk.say("ExtendMeetingIntent", duration="PT15M"))
    desk.attributes = {}
    heard["check in"] = speech(desk.say("MeetingCheckInIntent"))
    desk.attributes = {}
    heard["next"] = speech(desk.say("NextMeetingIntent"))
    desk.attributes = {}
    heard["find"] = speech(desk.say("FindRoomIntent", attendees="2"))
    desk.attributes = {}
    heard["end"] = speech(desk.say("EndMeetingIntent"))
    desk.attributes = {}
    heard["book tomorrow"] = speech(
        desk.say("BookRoomIntent", "CONFIRMED", room="Everest", date=tomorrow, startTime="11:00", duration="PT30M")
    )
    desk.attributes = {}
    heard["cancel"] = speech(
        desk.say("CancelBookingIntent", "CONFIRMED", room="Everest", date=tomorrow, startTime="11:00")
    )
    heard["call"] = speech(room.say("CallContactIntent", "CONFIRMED", contact="Bob"))
    room.attributes = {}
    joined = room.say("JoinMeetingIntent")
    if joined["response"].get("directives"):
        joined = room.say("JoinMeetingIntent", "CONFIRMED")
    heard["join"] = speech(joined)
    room.attributes = {}
    heard["problem"] = speech(room.say("ReportProblemIntent", problem="the projector is broken"))
    lobby.say("VisitorCheckInIntent", visitorName="Ken Sato", company="Acme", host="Alice")
    heard["check-in"] = speech(
        lobby.say("VisitorCheckInIntent", "CONFIRMED", visitorName="Ken Sato", company="Acme", host="Alice Tanaka")
    )
    desk.attributes = {}
    heard["expect"] = speech(
        desk.say("ExpectVisitorIntent", "CONFIRMED", visitorName="Mia Wong", date=tomorrow, startTime="10:00")
    )
    new_device = launch_request(application_id=LOCAL_SKILL_ID, device_id=NEW_DEVICE, user_id="amzn1.ask.account.NEW")
    heard["enrolment"] = speech(skill(new_device))
    code = re.sub(r"\D", "", heard["enrolment"].rpartition("code")[2])
    office_admin("devices", "claim", code, "--room", "everest")
    heard["claimed launch"] = speech(skill(new_device))


def scheduled_event() -> dict[str, Any]:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": datetime.now(UTC).isoformat(), "region": "us-east-1",
            "resources": [], "detail": {}}  # fmt: skip


def feed_request(path: str, token: str) -> dict[str, Any]:
    """A function URL request (payload format 2.0)."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": f"token={token}",
        "headers": {"host": "feed.lambda-url.us-east-1.on.aws", "user-agent": "Calendar/1.0"},
        "queryStringParameters": {"token": token},
        "requestContext": {"http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9"}},
        "isBase64Encoded": False,
    }


def admin_cli(endpoint: str, table: str, *argv: str) -> str:
    from skill.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--endpoint-url", endpoint, "--table", table, *argv]) == 0
    return out.getvalue()


# ----------------------------------------------------------------------------------------------- tests


def test_every_function_in_the_template_ran_and_made_aws_requests(run: Run) -> None:
    assert set(run.checks) == set(run.stack.functions())
    assert all(run.checks[name] for name in run.stack.functions())


def test_every_request_of_every_function_is_allowed_by_its_own_policy(run: Run) -> None:
    refused = [
        f"{name}: {check}"
        for name, checks in run.checks.items()
        for check in denied(checks, run.stack.statements(name))
    ]
    assert not refused, "denied:\n" + "\n".join(refused)


def test_what_the_functions_did_is_what_their_users_expect(run: Run) -> None:
    # The skill answered every step, none with "I couldn't reach the booking system"
    assert not [step for step, said in run.heard.items() if not said or UNAVAILABLE in said]
    assert run.heard["check-in"] == "Thanks, Ken. Alice knows you're here."
    assert run.heard["expect"] == "Done. Reception will greet Mia by name."
    assert (run.heard["check out?"], run.heard["check out"]) == (
        "Check out Ken Sato?",
        "Goodbye, Ken. Thanks for visiting.",
    )
    assert run.heard["claimed launch"].startswith("Everest here.")
    # Both calls went to the telephony provider, and the SIP media handler bridged each
    assert len(run.calls_placed) == 2
    assert [answer["Actions"][0]["Type"] for answer in run.answers["sma"]] == ["CallAndBridge", "CallAndBridge"]
    # The host was told through the webhook kept in SSM (and by email and SMS), with no failed record
    assert run.answers["notifier"] == {"batchItemFailures": []}
    assert b"Ken Sato (Acme) is at reception to see you." in b"".join(run.hooks)
    # The room problem was stored, and the site's facilities contacts were told (by email and the webhook)
    assert (
        run.heard["problem"]
        == "Thanks, I've reported the problem in Fuji: the projector is broken. Facilities will be told."
    )
    assert b"the projector is broken" in b"".join(run.hooks)
    # On its schedule the notifier sent Bob the digest of last hour's visitor beyond his limit
    assert run.answers["digests"] == {"digests": 1, "delivered": 1}
    # The jobs did their work, the failing feed reported by id
    assert run.answers["refresh"]["failed_owners"] == ["user:alice"]
    assert run.answers["sweeper"] == {"visitors_checked_out": 2, "bookings_released": 1}
    assert (run.answers["feed, wrong token"]["statusCode"], run.answers["feed"]["statusCode"]) == (403, 200)
    # The usage function folded every fact it was given into the rooms' and the site's days
    assert run.answers["usage"] == {"batchItemFailures": []}
    assert {"ROOM#fuji", "ROOM#everest", "ROOM#kita", "SITE"} <= set(run.answers["usage items"])


# Grants no run of the code can exercise, with why they stay: (function, statement, what, value) -> reason.
ON_FAILURE = "SAM's grant for the DynamoDB event source's on-failure destination: Lambda sends, not the code"
NOT_EXERCISED = {
    ("NotifierFunction", "NotifierFunctionVisitInsertedSQSPolicy", "action", "sqs:SendMessage"): ON_FAILURE,
    ("NotifierFunction", "NotifierFunctionVisitInsertedSQSPolicy", "resource", f"{SQS}:NotifierFailures"): ON_FAILURE,
    ("UsageFunction", "UsageFunctionFactChangedSQSPolicy", "action", "sqs:SendMessage"): ON_FAILURE,
    ("UsageFunction", "UsageFunctionFactChangedSQSPolicy", "resource", f"{SQS}:UsageFailures"): ON_FAILURE,
}


def test_every_grant_is_needed_removing_any_one_denies_a_request(run: Run) -> None:
    # For every action, resource and leading-key pattern a function's policy allows: without it, some request
    # of that function's run is denied (so no grant is there for nothing, and none can go unnoticed)
    unneeded = []
    for name, checks in run.checks.items():
        statements = run.stack.statements(name)
        for sid, what, value in grants(statements):
            if (name, sid, what, value) in NOT_EXERCISED:
                continue
            if not denied(checks, without(statements, sid, what, value)):
                unneeded.append(f"{name} {sid}: {what} {value}")
    assert unneeded == []


def test_the_denials_that_guard_least_privilege_hold(run: Run) -> None:
    # The notifier sends SMS to numbers, never to a topic or a mobile endpoint
    notifier = run.stack.statements("NotifierFunction")
    assert allowed(Check("sns:Publish", "sns:Publish", "*"), notifier)
    for target in ("arn:aws:sns:us-east-1:123456789012:alerts", "arn:aws:sns:eu-west-1:210987654321:app/GCM/x/1"):
        assert not allowed(Check("sns:Publish", "sns:Publish", target), notifier)
    # Email goes only from the configured sender's identity
    other = "arn:aws:ses:us-east-1:123456789012:identity/someone@elsewhere.example"
    assert not allowed(Check("ses:SendEmail", "ses:SendEmail", other), notifier)
    # The skill never reads the feed-signing secret; the public feed function reads nothing but what it serves
    table = f"arn:aws:dynamodb:us-east-1:123456789012:table/{run.stack.parameters['TableName']}"
    secret = Check("dynamodb:GetItem", "dynamodb:GetItem", table, ("SITE#feed-secret",))
    assert not allowed(secret, run.stack.statements("SkillFunction"))
    feed = run.stack.statements("CalendarFeedFunction")
    for partition in ("USER#alice", "VISITDAY#2026-12-01", "CALL#x", "NOTIFY#x"):
        assert not allowed(Check("dynamodb:GetItem", "dynamodb:GetItem", table, (partition,)), feed)
    assert not allowed(Check("dynamodb:Query", "dynamodb:Query", f"{table}/index/GSI1", ("FLEET",)), feed)
