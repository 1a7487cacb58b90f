"""Japanese voice experience end to end: ja-JP model in virtual-alexa, answers from `office-skill serve`.

Utterances are typed with a space beside each slot value, the way virtual-alexa splits slots from text.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

OFFICE = Path(__file__).resolve().parents[1] / "fixtures" / "office.yaml"
ROOM = "amzn1.ask.device.TESTROOM"
LOBBY = "amzn1.ask.device.TESTLOBBY"
DESK = "amzn1.ask.device.TESTDESK"
ALICE = "amzn1.ask.account.TESTALICE"
Speech = Callable[[dict[str, Any]], str]


@pytest.fixture(scope="module", autouse=True)
def office(skill_server: Any) -> None:
    skill_server.apply(OFFICE)


def directive_types(envelope: dict[str, Any]) -> list[str]:
    return [d["type"] for d in envelope["response"].get("directives", [])]


def test_launch_in_a_room_names_the_room_and_sends_the_fleets_names(alexa: Any, speech: Speech) -> None:
    # When the skill is opened on the room's device in Japanese
    answer = alexa(device_id=ROOM, locale="ja-JP").launch()

    # Then the room introduces itself in Japanese and Alexa learns the office's names
    assert speech(answer).startswith("Fujiです。")
    assert "Dialog.UpdateDynamicEntities" in directive_types(answer)


@pytest.mark.parametrize(
    ("device", "user", "expected", "absent"),
    [
        (ROOM, None, "この部屋を三十分予約して", "次の会議は"),
        (DESK, ALICE, "次の会議は", "この部屋を三十分予約して"),
        (LOBBY, None, "受付をお願いします", "予約"),
    ],
)
def test_help_depends_on_the_device(
    alexa: Any, speech: Speech, device: str, user: str | None, expected: str, absent: str
) -> None:
    # When someone asks for help in two phrasings
    conversation = alexa(device_id=device, user_id=user, locale="ja-JP")
    first = speech(conversation.say("使い方を教えて"))
    second = speech(conversation.say("何ができますか"))

    # Then the device's own features are offered, and nothing it cannot do
    assert first == second
    assert expected in first and absent not in first


def test_a_visitor_checks_in_at_the_lobby_in_japanese(alexa: Any, speech: Speech) -> None:
    # Given the lobby device and a visitor asking for reception
    conversation = alexa(device_id=LOBBY, locale="ja-JP")
    asked_name = conversation.say("受付をお願いします")

    # Then the visitor is asked their name, then whom they visit, politely
    assert speech(asked_name) == "いらっしゃいませ。お名前を教えていただけますか?"
    asked_host = conversation.intend("VisitorCheckInIntent", {"visitorName": "佐藤"})
    assert speech(asked_host) == "佐藤様、ありがとうございます。どなたをご訪問ですか?"
