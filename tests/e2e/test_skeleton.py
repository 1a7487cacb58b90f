"""Walking skeleton: an unknown device is enrolled with `office-admin devices claim` and then knows its room.

Also the HTTP edge of `office-skill serve`: bad JSON, a foreign skill id, the health check.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.e2e

Speech = Callable[[dict[str, Any]], str]


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def _enrolment_code(said: str) -> str:
    """The digits of the code in the speech, however Alexa was told to group them."""
    found = re.search(r"\d(?:[\s,.-]*\d){3,}", said)
    assert found, f"no enrolment code in: {said!r}"
    return re.sub(r"\D", "", found.group())


def _launch_envelope(application_id: str) -> dict[str, Any]:
    system = {
        "application": {"applicationId": application_id},
        "device": {"deviceId": f"amzn1.ask.device.E2E{uuid.uuid4().hex.upper()}", "supportedInterfaces": {}},
        "user": {"userId": "amzn1.ask.account.E2EFOREIGN"},
    }
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": system["application"],
            "user": system["user"],
        },
        "context": {"System": system},
        "request": {
            "type": "LaunchRequest",
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": "2026-01-05T09:00:00Z",
            "locale": "en-US",
        },
    }


def test_unknown_device_hears_a_code_and_knows_its_room_once_claimed(
    alexa: Callable[..., Any], skill_server: Any, speech: Speech, tmp_path: Path
) -> None:
    # Given a room in the fleet and a device that is in no fleet entry
    room_id, room_name = f"e2e-{uuid.uuid4().hex[:8]}", "Kilimanjaro"
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(
        yaml.safe_dump(
            {
                "site": {"name": "E2E HQ", "timezone": "Asia/Tokyo", "country": "JP"},
                "rooms": [{"id": room_id, "name": room_name, "floor": 3, "capacity": 6}],
            }
        )
    )
    applied = skill_server.admin("apply", str(fleet))
    assert applied.returncode == 0, applied.stderr
    device_id = f"amzn1.ask.device.E2E{uuid.uuid4().hex.upper()}"

    # When it launches the skill
    first = speech(alexa(device_id=device_id).launch())

    # Then it hears an enrolment code and nothing about the office
    code = _enrolment_code(first)
    assert room_name.lower() not in first.lower()

    # When an admin claims the device for the room with that code
    claimed = skill_server.admin("devices", "claim", code, "--room", room_id)
    assert claimed.returncode == 0, claimed.stderr

    # Then the same device, launching again, hears its room's name
    again = speech(alexa(device_id=device_id).launch())
    assert room_name.lower() in again.lower()


def test_invalid_json_is_refused_with_400(skill_server: Any) -> None:
    # Given / When a body that is not JSON
    status = _post(skill_server.endpoint, b'{"version": "1.0", "request": ')

    # Then the server answers 400
    assert status == 400


def test_foreign_skill_id_is_refused_with_403(skill_server: Any) -> None:
    # Given a well-formed launch request addressed to another skill
    envelope = _launch_envelope("amzn1.ask.skill.someone-else")

    # When it is posted to the endpoint
    status = _post(skill_server.endpoint, json.dumps(envelope).encode())

    # Then the server answers 403
    assert status == 403


def test_own_skill_id_is_answered_with_200(skill_server: Any) -> None:
    # Given the same launch request addressed to this skill
    envelope = _launch_envelope(skill_server.skill_id)

    # When it is posted to the endpoint
    status = _post(skill_server.endpoint, json.dumps(envelope).encode())

    # Then the server answers it
    assert status == 200


def test_health_check_answers_200(skill_server: Any) -> None:
    # Given / When the health check is asked
    with urllib.request.urlopen(skill_server.endpoint.rstrip("/") + "/healthz", timeout=10) as answer:
        # Then it answers 200
        assert answer.status == 200
