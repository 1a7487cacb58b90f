"""One cold start in a fresh process, run by bench.cold: `python -m bench.cold_child skill|floor`.

`skill` imports skill.app and answers the LaunchRequest read from stdin through lambda_handler (or, given a
JSON list of envelopes, each in turn, as one warm container would); `floor` imports ask_sdk_core's SkillBuilder
and boto3, creates a DynamoDB client and makes one GetItem. Prints one JSON line: the seconds taken to the
first answer, which of the modules the voice path should not need were loaded, and the process's peak memory.
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


def _peak_mib() -> float:
    """The process's peak resident memory: VmHWM, which starts afresh at exec (ru_maxrss keeps the mark of the
    process that forked it)."""
    from pathlib import Path

    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    given = json.loads(sys.stdin.read())
    events = given if isinstance(given, list) else [given]
    if sys.argv[1] == "skill":
        _skill(events[0])
    else:
        _floor(events[0]["context"]["System"]["device"]["deviceId"])
    elapsed = time.perf_counter() - _START
    loaded = [name for name in HEAVY if name in sys.modules]
    for event in events[1:]:
        _skill(event)
    skill = sys.modules.get("skill")
    origin = getattr(skill, "__file__", None)
    figures = {"seconds": elapsed, "heavy": loaded, "modules": len(sys.modules), "skill_from": origin}
    print(json.dumps({**figures, "peak_mib": round(_peak_mib(), 1)}))


if __name__ == "__main__":
    main()
