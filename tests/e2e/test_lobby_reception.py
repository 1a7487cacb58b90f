"""Reception end to end: a lobby device checks visitors in and out through virtual-alexa and
`office-skill serve`, and the host hears about it on a chat webhook served by this test.

The site's time zone is one where it is office hours now, so the server's end-of-day check-out (its job
loop runs every second here) leaves the visitors of these tests alone.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from support import WebhookReceiver

pytestmark = pytest.mark.e2e

Speech = Callable[[dict[str, Any]], str]
ZONES = ("Asia/Tokyo", "Europe/London", "America/New_York")
NOTIFIED_SECONDS = 10.0
SITE = "Harbour Office"


def _office_hours_zone() -> str:
    """A zone where it is between 06:00 and 19:00 now (one of three always is)."""
    now = datetime.now(UTC)
    return next(zone for zone in ZONES if 6 <= now.astimezone(ZoneInfo(zone)).hour < 19)


@pytest.fixture(scope="module")
def lobby(skill_server: Any, webhook: WebhookReceiver, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A lobby device (skill group with reception) and three hosts, two of them named Henrik; the hosts are
    told on the test's webhook."""
    tag = uuid.uuid4().hex[:8]
    ids = {
        "lobby_room": f"e2e-lobby-{tag}",
        "lobby_device": f"amzn1.ask.device.E2ELOBBY{tag.upper()}",
        "henrik_d": f"e2e-henrik-d-{tag}",
        "henrik_b": f"e2e-henrik-b-{tag}",
        "greta": f"e2e-greta-{tag}",
        "zone": _office_hours_zone(),
    }
    notify = [{"webhook": webhook.url("/hooks/visitors")}]
    fleet = {
        "site": {"name": SITE, "timezone": ids["zone"], "country": "JP", "end_of_day": "20:00"},
        "rooms": [{"id": ids["lobby_room"], "name": "Harbour Lobby", "floor": 1, "bookable": False}],
        "skill_groups": [{"id": f"reception-{tag}", "features": ["reception"]}],
        "devices": [
            {"id": ids["lobby_device"], "kind": "shared", "room": ids["lobby_room"], "skill_group": f"reception-{tag}"}
        ],
        "users": [
            {
                "id": ids["henrik_d"],
                "name": "Henrik Dahl",
                "email": f"dahl-{tag}@example.com",
                "phones": {"mobile": "+81 90-5555-0001"},
                "notify": notify,
            },
            {
                "id": ids["henrik_b"],
                "name": "Henrik Berg",
                "email": f"berg-{tag}@example.com",
                "phones": {"mobile": "+81 90-5555-0002"},
                "notify": notify,
            },
            {"id": ids["greta"], "name": "Greta Lindholm", "email": f"greta-{tag}@example.com", "notify": notify},
        ],
    }
    path = tmp_path_factory.mktemp("reception") / "fleet.yaml"
    path.write_text(yaml.safe_dump(fleet))
    skill_server.apply(path, seen=lambda: SITE in skill_server.launch_speech(ids["lobby_device"]))
    return ids


def admin_json(skill_server: Any, *args: str) -> list[dict[str, Any]]:
    done = skill_server.admin(*args, "--json")
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def on_site(skill_server: Any, name: str) -> list[dict[str, Any]]:
    return [row for row in admin_json(skill_server, "visitors", "list", "--on-site") if row["name"] == name]


def directive_types(envelope: dict[str, Any]) -> list[str]:
    return [d["type"] for d in envelope["response"].get("directives", [])]


def assert_discreet(said: str, lobby: dict[str, str]) -> None:
    """Nothing the lobby says holds a phone number, an email address or a third host name."""
    assert "@" not in said and not any(char.isdigit() for char in said)
    assert said.count("Henrik") <= 2 and "Greta" not in said


def test_a_visitor_checks_in_from_check_in_picking_one_of_two_hosts_and_the_host_is_told(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, lobby: dict[str, str], webhook: WebhookReceiver
) -> None:
    # Given the lobby device and a visitor who says only "check in"
    visitor = "Mara Quint"
    desk = alexa(device_id=lobby["lobby_device"])
    asked_name = desk.say("check in a visitor")

    # Then the visitor is asked their name, then whom they are visiting
    assert speech(asked_name) == "Welcome. What's your name?"
    assert directive_types(asked_name) == ["Dialog.ElicitSlot"]
    asked_host = desk.intend("VisitorCheckInIntent", {"visitorName": visitor})
    assert speech(asked_host) == "Thanks, Mara. Who are you here to see?"

    # When they name a host two employees answer to, they hear exactly those two names
    which = desk.intend("VisitorCheckInIntent", {"visitorName": visitor, "host": "Henrik"})
    said = speech(which)
    assert said in ("Henrik Dahl or Henrik Berg?", "Henrik Berg or Henrik Dahl?")
    assert_discreet(said, lobby)
    assert on_site(skill_server, visitor) == []

    # When they pick Henrik Dahl, they are asked to confirm
    confirm = desk.intend("VisitorCheckInIntent", {"visitorName": visitor, "host": "Henrik Dahl"})
    assert speech(confirm) == f"{visitor}, here to see Henrik Dahl. Is that right?"
    assert directive_types(confirm) == ["Dialog.ConfirmIntent"]
    assert on_site(skill_server, visitor) == []

    # When they confirm, they are checked in and Henrik knows
    done = desk.intend(
        "VisitorCheckInIntent", {"visitorName": visitor, "host": "Henrik Dahl"}, confirmation="CONFIRMED"
    )
    assert speech(done) == "Thanks, Mara. Henrik knows you're here."
    assert_discreet(speech(done), lobby)
    [visit] = on_site(skill_server, visitor)
    assert (visit["host"], visit["status"]) == (lobby["henrik_d"], "on_site")

    # And the host is notified on his webhook, which the notification log records
    notified = _wait_for_notification(skill_server, visit["id"])
    assert (notified["recipient"], notified["channel"], notified["role"]) == (lobby["henrik_d"], "webhook", "host")
    assert any(visitor in json.dumps(body) for body in webhook.bodies("/hooks/visitors"))


def _wait_for_notification(skill_server: Any, visit_id: str) -> dict[str, Any]:
    """The visit's notification once the server's job loop has delivered it."""
    deadline = time.monotonic() + NOTIFIED_SECONDS
    while time.monotonic() < deadline:
        rows = [row for row in admin_json(skill_server, "notifications", "list") if row["visit"] == visit_id]
        if any(row["status"] == "sent" for row in rows):
            return next(row for row in rows if row["status"] == "sent")
        time.sleep(0.5)
    pytest.fail(f"visit {visit_id} was never notified: {rows}")


def test_an_expected_visitor_is_greeted_by_name(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, lobby: dict[str, str]
) -> None:
    # Given Greta expects Ken in ten minutes
    visitor = "Ken Sato"
    at = (datetime.now(ZoneInfo(lobby["zone"])) + timedelta(minutes=10)).replace(microsecond=0)
    expected = skill_server.admin("visitors", "expect", visitor, "--host", lobby["greta"], "--at", at.isoformat())
    assert expected.returncode == 0, expected.stderr

    # When Ken checks in at the lobby, saying who he is and whom he visits, and confirms
    desk = alexa(device_id=lobby["lobby_device"])
    slots = {"visitorName": visitor, "host": "Greta Lindholm"}
    confirm = desk.intend("VisitorCheckInIntent", slots)
    assert speech(confirm) == f"{visitor}, here to see Greta Lindholm. Is that right?"
    done = desk.intend("VisitorCheckInIntent", slots, confirmation="CONFIRMED")

    # Then he is welcomed by name as someone expected, and he is on site
    assert speech(done) == "Welcome, Ken. Greta knows you're here."
    [visit] = on_site(skill_server, visitor)
    assert visit["host"] == lobby["greta"]


def check_in(alexa: Callable[..., Any], device_id: str, visitor: str, host: str) -> None:
    desk = alexa(device_id=device_id)
    desk.intend("VisitorCheckInIntent", {"visitorName": visitor, "host": host})
    desk.intend("VisitorCheckInIntent", {"visitorName": visitor, "host": host}, confirmation="CONFIRMED")


def test_visitors_who_are_leaving_are_checked_out(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, lobby: dict[str, str]
) -> None:
    # Given two visitors on site, checked in at the same lobby device
    check_in(alexa, lobby["lobby_device"], "Lena Vogt", "Greta Lindholm")
    check_in(alexa, lobby["lobby_device"], "Otto Brandt", "Greta Lindholm")
    assert len(on_site(skill_server, "Lena Vogt")) == len(on_site(skill_server, "Otto Brandt")) == 1

    # When Lena says only that she is leaving, she is asked her full name, and confirming it checks her out
    leaving = alexa(device_id=lobby["lobby_device"])
    asked = leaving.say("i'm leaving")
    assert speech(asked) == "Sure. What's your full name?"
    question = leaving.intend("VisitorCheckOutIntent", {"visitorName": "Lena Vogt"})
    assert speech(question) == "Check out Lena Vogt?"
    assert len(on_site(skill_server, "Lena Vogt")) == 1
    done = leaving.intend("VisitorCheckOutIntent", {"visitorName": "Lena Vogt"}, confirmation="CONFIRMED")
    assert speech(done) == "Goodbye, Lena. Thanks for visiting."
    assert on_site(skill_server, "Lena Vogt") == []

    # When Otto says his name as he leaves, he is asked to confirm it, and his yes checks him out
    otto = alexa(device_id=lobby["lobby_device"])
    question = otto.say("i'm Otto Brandt and i'm leaving")
    assert speech(question).lower() == "check out otto brandt?"
    done = otto.intend("VisitorCheckOutIntent", {"visitorName": "Otto Brandt"}, confirmation="CONFIRMED")
    assert speech(done) == "Goodbye, Otto. Thanks for visiting."
    assert on_site(skill_server, "Otto Brandt") == []
