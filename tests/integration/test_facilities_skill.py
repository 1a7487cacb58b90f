"""Reporting a room problem through the Lambda handler path against moto's DynamoDB: a retried request is one
problem, the stored item holds the room and the site and nothing about the speaker or the device, and the
device's hourly limit is taken in the same write."""

from __future__ import annotations

from fakes import FixedClock
from support import Conversation, speech

from skill.adapters.dynamodb.table import from_attrs
from skill.config import LOCAL_SKILL_ID
from skill.local.envelopes import intent_request

ROOM = "amzn1.ask.device.TESTROOM"
ALICE_PERSON = "amzn1.ask.person.TESTALICE"


def scan(container, prefix: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    table = container.table
    items = table.client.scan(
        TableName=table.name, FilterExpression="begins_with(PK, :p)", ExpressionAttributeValues={":p": {"S": prefix}}
    )["Items"]
    return [from_attrs(item) for item in items]


def test_a_retried_request_reports_one_problem_and_answers_the_same(invoke, container):
    # Given a recognised speaker in Fuji says the projector is broken, and Alexa sends the request twice
    container.clock = FixedClock()
    envelope = intent_request(
        "ReportProblemIntent",
        {"problem": "the projector is broken"},
        application_id=LOCAL_SKILL_ID,
        device_id=ROOM,
        user_id="amzn1.ask.account.TESTALICE",
        person_id=ALICE_PERSON,
    )
    first, again = invoke(envelope), invoke(envelope)
    # Then both answers say it was reported, and one problem is stored, counted once against the device
    said = "Thanks, I've reported the problem in Fuji: the projector is broken. Facilities will be told."
    assert speech(first) == speech(again) == said
    [item] = scan(container, "PROBLEM#")
    assert (item["room"], item["site"], item["problem"], item["status"]) == (
        "fuji",
        "main",
        "the projector is broken",
        "open",
    )
    [counter] = scan(container, "COUNT#problems#")
    assert counter["n"] == 1
    # And nothing in it names the speaker, their account or the device
    text = repr(item)
    assert "alice" not in text.lower() and "amzn1.ask" not in text and "device" not in item


def test_a_problem_asked_for_in_japanese_is_reported(invoke, container):
    room = Conversation(invoke, ROOM, locale="ja-JP")
    asked = room.say("ReportProblemIntent")
    done = room.say("ReportProblemIntent", problem="プロジェクター")
    assert speech(asked) == "どのような問題がありますか?"
    assert speech(done) == "Fujiの問題として「プロジェクター」を報告しました。施設担当に連絡します。"
    assert [i["problem"] for i in scan(container, "PROBLEM#")] == ["プロジェクター"]
