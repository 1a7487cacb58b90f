"""One cold start in a fresh process, run by bench.cold: `python -m bench.cold_child skill|floor`.

`skill` imports skill.app and answers the LaunchRequest read from stdin through lambda_handler; `floor`
imports ask_sdk_core's SkillBuilder and boto3, creates a DynamoDB client and makes one GetItem. Prints one
JSON line: the seconds taken and which of the modules the voice path should not need were loaded.
"""

import time

_START = time.perf_counter()

import json  # noqa: E402 - the clock starts before anything is imported
import os  # noqa: E402
import sys  # noqa: E402
from types import SimpleNamespace  # noqa: E402

HEAVY = ("icalendar", "recurring_ical_events", "phonenumbers", "rapidfuzz", "aws_xray_sdk", "pykakasi")


def _skill(event: dict[str, object]) -> None:
    from skill.app import lambda_handler

    context = SimpleNamespace(
        function_name="office-assistant-skill",
        function_version="$LATEST",
        memory_limit_in_mb=512,
        invoked_function_arn="arn:aws:lambda:us-east-1:000000000000:function:office-assistant-skill",
        aws_request_id="bench-cold-start",
        get_remaining_time_in_millis=lambda: 8000,
    )
    response = lambda_handler(event, context)
    if "response" not in response:
        raise SystemExit("no response envelope")


def _floor(device_id: str) -> None:
    import boto3
    from ask_sdk_core.skill_builder import SkillBuilder

    SkillBuilder()
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.get_item(TableName=os.environ["OFFICE_TABLE"], Key={"PK": {"S": "DEVICE#" + device_id}, "SK": {"S": "META"}})


def main() -> None:
    event = json.loads(sys.stdin.read())
    if sys.argv[1] == "skill":
        _skill(event)
    else:
        _floor(event["context"]["System"]["device"]["deviceId"])
    elapsed = time.perf_counter() - _START
    loaded = [name for name in HEAVY if name in sys.modules]
    skill = sys.modules.get("skill")
    origin = getattr(skill, "__file__", None)
    print(json.dumps({"seconds": elapsed, "heavy": loaded, "modules": len(sys.modules), "skill_from": origin}))


if __name__ == "__main__":
    main()
