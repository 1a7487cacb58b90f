"""infra/template.yaml as CloudFormation sees it: transformed offline by aws-sam-translator (no network, no
credentials), linted by cfn-lint, then held to the project's least-privilege and operations rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from streams import passes_filters

from skill.adapters.dynamodb.schema import create_table_request
from skill.bootstrap import Container

# Every "*" resource, with why nothing narrower exists: (role, Sid) -> reason.
WILDCARD_RESOURCES = {
    ("NotifierFunctionRole", "SendSms"): "SNS Publish to a phone number (SMS) has no resource ARN",
}
# AWS managed policies SAM attaches, with why they are acceptable.
MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": "writes the function's own logs",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": "trace segments (SAM adds it when Tracing is set)",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole": "reads the table's stream (notifier)",
}


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def statements(policy_document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every statement of a policy, both branches of a conditional statement included."""
    pending = list(policy_document["Statement"])
    while pending:
        node = pending.pop()
        if isinstance(node, dict) and "Fn::If" in node:
            pending.extend(node["Fn::If"][1:])
        elif isinstance(node, dict) and node != {"Ref": "AWS::NoValue"}:
            yield node


def role_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for role_name, role in resources(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in statements(policy["PolicyDocument"]):
                yield role_name, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_cfn_lint_finds_no_error_in_the_transformed_template(transformed: dict[str, Any]) -> None:
    import cfnlint.api

    matches = cfnlint.api.lint(json.dumps(transformed), config=cfnlint.api.ManualArgs(regions=["us-east-1"]))
    errors = [str(m) for m in matches if m.rule.id.startswith("E")]
    assert errors == []


def test_every_function_has_its_own_role(transformed: dict[str, Any]) -> None:
    roles = [f["Properties"]["Role"] for f in resources(transformed, "AWS::Lambda::Function").values()]
    assert len(roles) == 7
    assert len({json.dumps(role, sort_keys=True) for role in roles}) == len(roles)


def test_every_function_runs_python_3_13_on_arm64(transformed: dict[str, Any]) -> None:
    for function in resources(transformed, "AWS::Lambda::Function").values():
        assert function["Properties"]["Runtime"] == "python3.13"
        assert function["Properties"]["Architectures"] == ["arm64"]


def test_no_statement_allows_a_wildcard_action(transformed: dict[str, Any]) -> None:
    wild = [
        (role, statement.get("Sid"))
        for role, statement in role_statements(transformed)
        if any("*" in action for action in as_list(statement.get("Action", []))) or "NotAction" in statement
    ]
    assert wild == []


def test_every_wildcard_resource_is_one_that_has_no_narrower_arn(transformed: dict[str, Any]) -> None:
    wild = {
        (role, statement.get("Sid"))
        for role, statement in role_statements(transformed)
        if statement["Effect"] == "Allow" and "*" in as_list(statement.get("Resource"))
    }
    assert wild <= set(WILDCARD_RESOURCES)


def test_only_known_managed_policies_are_attached(transformed: dict[str, Any]) -> None:
    for role in resources(transformed, "AWS::IAM::Role").values():
        assert set(role["Properties"].get("ManagedPolicyArns", [])) <= set(MANAGED_POLICIES)


def test_functions_write_the_table_only_under_their_key_prefixes(transformed: dict[str, Any]) -> None:
    writes = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
    for role, statement in role_statements(transformed):
        if statement["Effect"] == "Allow" and writes & set(as_list(statement["Action"])):
            condition = json.dumps(statement.get("Condition", {}))
            assert "dynamodb:LeadingKeys" in condition, (role, statement.get("Sid"))


def test_the_skill_writes_only_what_voice_requests_create(transformed: dict[str, Any]) -> None:
    skill = [s for role, s in role_statements(transformed) if role == "SkillFunctionRole"]
    writing = [s for s in skill if s["Effect"] == "Allow" and "dynamodb:PutItem" in s["Action"]]
    assert [s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] for s in writing] == [
        [
            "ROOMDAY#*",
            "VISITDAY#*",
            "EXPECTED#*",
            "CALL#*",
            "CLAIM#*",
            "CLAIMDEV#*",
            "COUNT#calls#*",
            "COUNT#checkins#*",
            "COUNT#bookings#*",
            "PROBLEM#*",
            "COUNT#problems#*",
        ]
    ]
    assert any(s["Effect"] == "Deny" and "SITE#feed-secret" in json.dumps(s) for s in skill)
    assert not any("dynamodb:Scan" in as_list(s["Action"]) for s in skill)


def test_the_skill_environment_holds_parameter_names_not_secrets(transformed: dict[str, Any]) -> None:
    variables = transformed["Resources"]["SkillFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["OFFICE_SMA_ID_PARAMETER"] == {"Ref": "SipMediaApplicationIdParameter"}
    assert variables["OFFICE_FROM_NUMBER_PARAMETER"] == {"Ref": "FromNumberParameter"}
    secret_words = ("SECRET", "TOKEN", "PASSWORD", "PIN", "KEY", "WEBHOOK_URL", "NUMBER", "SMA_ID")
    plain = {name for name in variables if any(w in name for w in secret_words) and not name.endswith("_PARAMETER")}
    assert plain == set()


def stream_mapping(transformed: dict[str, Any], function: str) -> dict[str, Any]:
    mappings = resources(transformed, "AWS::Lambda::EventSourceMapping")
    (mapping,) = (m["Properties"] for m in mappings.values() if m["Properties"]["FunctionName"]["Ref"] == function)
    return mapping


@pytest.mark.parametrize("function", ["NotifierFunction", "UsageFunction"])
def test_stream_consumers_keep_what_they_give_up_on_and_alarm_on_it(transformed: dict[str, Any], function: str) -> None:
    mapping = stream_mapping(transformed, function)
    assert mapping["BisectBatchOnFunctionError"] is True
    assert 0 < mapping["MaximumRetryAttempts"] <= 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue_name = mapping["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    queue = transformed["Resources"][queue_name]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] >= 7 * 24 * 3600
    depth_alarms = [
        a["Properties"]
        for a in resources(transformed, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        and a["Properties"]["Dimensions"][0]["Value"] == {"Fn::GetAtt": [queue_name, "QueueName"]}
    ]
    assert len(depth_alarms) == 1
    assert depth_alarms[0]["Threshold"] == 0
    assert depth_alarms[0]["ComparisonOperator"] == "GreaterThanThreshold"


def test_the_notifier_hears_of_new_visits_only(transformed: dict[str, Any]) -> None:
    mapping = stream_mapping(transformed, "NotifierFunction")
    assert passes_filters(mapping, "INSERT", "VISITDAY#2026-12-01", "VISIT#2026-12-01T01:00:00Z#v1")
    assert not passes_filters(mapping, "MODIFY", "VISITDAY#2026-12-01", "VISIT#2026-12-01T01:00:00Z#v1")
    assert not passes_filters(mapping, "INSERT", "CALL#c1", "META")


def test_the_usage_function_hears_of_every_fact_and_never_of_its_own_items(transformed: dict[str, Any]) -> None:
    mapping = stream_mapping(transformed, "UsageFunction")
    facts = [
        ("ROOMDAY#fuji#2026-12-01", "BOOKING#2026-12-01T00:00:00Z#b1"),
        ("ROOMDAY#fuji#2026-12-01", "BUSY#2026-12-01T00:00:00Z#uid"),
        ("VISITDAY#2026-12-01", "VISIT#2026-12-01T01:00:00Z#v1"),
        ("CALL#c1", "META"),
        ("PROBLEM#p1", "META"),
    ]
    for event in ("INSERT", "MODIFY", "REMOVE"):
        assert all(passes_filters(mapping, event, pk, sk) for pk, sk in facts)
    others = [
        ("USAGE#main#2026-12-01", "ROOM#fuji"),
        ("USAGE#main#2026-12-01", "SITE"),
        ("ROOMDAY#fuji#2026-12-01", "SLOT#2026-12-01T00:00:00Z"),
        ("ROOMDAY#fuji#2026-12-01", "FEED"),
        ("NOTIFY#v1", "user:alice#email"),
        ("COUNT#calls#device:x", "2026-12-01T10Z"),
    ]
    assert not any(passes_filters(mapping, "INSERT", pk, sk) for pk, sk in others)


def test_every_function_alarms_on_errors_and_throttles(transformed: dict[str, Any]) -> None:
    alarms = [a["Properties"] for a in resources(transformed, "AWS::CloudWatch::Alarm").values()]
    watched = {(a["MetricName"], a["Dimensions"][0]["Value"]["Ref"]) for a in alarms if a["Namespace"] == "AWS/Lambda"}
    for function in resources(transformed, "AWS::Lambda::Function"):
        assert ("Errors", function) in watched
        assert ("Throttles", function) in watched
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)


def test_the_skill_alarms_when_p99_nears_alexas_limit(transformed: dict[str, Any]) -> None:
    alarms = [a["Properties"] for a in resources(transformed, "AWS::CloudWatch::Alarm").values()]
    slow = [a for a in alarms if a["MetricName"] == "Duration"]
    assert [(a["Dimensions"][0]["Value"], a["ExtendedStatistic"], a["Threshold"]) for a in slow] == [
        ({"Ref": "SkillFunction"}, "p99", 6000)
    ]


def test_every_function_has_a_log_group_with_retention(transformed: dict[str, Any]) -> None:
    groups = {
        r["Properties"]["LogGroupName"]["Fn::Sub"]: r["Properties"]
        for r in resources(transformed, "AWS::Logs::LogGroup").values()
    }
    for function in resources(transformed, "AWS::Lambda::Function"):
        assert groups[f"/aws/lambda/${{{function}}}"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_table_is_recoverable_expiring_streamed_protected_and_encrypted(transformed: dict[str, Any]) -> None:
    table = transformed["Resources"]["Table"]
    props = table["Properties"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert props["DeletionProtectionEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_schedules_and_entry_points(transformed: dict[str, Any]) -> None:
    functions = resources(transformed, "AWS::Lambda::Function")
    handlers = {f["Properties"]["Handler"] for f in functions.values()}
    assert handlers == {
        "skill.app.lambda_handler",
        "skill.app.refresher",
        "skill.app.calendar_feed",
        "skill.app.notifier",
        "skill.app.usage",
        "skill.app.sweeper",
        "skill.app.sma_handler",
    }
    rules = {
        r["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0]: r["Properties"]
        for r in resources(transformed, "AWS::Events::Rule").values()
    }
    assert rules["RefresherFunction"]["ScheduleExpression"] == "rate(5 minutes)"
    assert "SweeperFunction" in rules
    permissions = [p["Properties"] for p in resources(transformed, "AWS::Lambda::Permission").values()]
    assert {"Principal": "alexa-appkit.amazon.com", "EventSourceToken": {"Ref": "SkillId"}}.items() <= next(
        p for p in permissions if p["FunctionName"] == {"Ref": "SkillFunction"}
    ).items()
    assert any(
        p["Principal"] == "voiceconnector.chime.amazonaws.com"
        and p["FunctionName"] == {"Fn::GetAtt": ["SmaFunction", "Arn"]}
        for p in permissions
    )
    assert resources(transformed, "AWS::Lambda::Url")


def test_the_local_table_is_the_template_table(transformed: dict[str, Any]) -> None:
    # Given the table the local runtime and the tests create
    request = create_table_request("office-assistant")
    # Then its keys, index and stream are the deployed table's
    props = transformed["Resources"]["Table"]["Properties"]
    assert request["KeySchema"] == props["KeySchema"]
    assert request["AttributeDefinitions"] == props["AttributeDefinitions"]
    assert request["GlobalSecondaryIndexes"] == props["GlobalSecondaryIndexes"]
    assert request["BillingMode"] == props["BillingMode"]
    assert request["StreamSpecification"]["StreamViewType"] == props["StreamSpecification"]["StreamViewType"]


WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def sweeper_writes(template: dict[str, Any]) -> set[tuple[str, str]]:
    """(action, key prefix pattern) pairs the sweeper's role may write."""
    grants: set[tuple[str, str]] = set()
    for role, statement in role_statements(template):
        if role != "SweeperFunctionRole" or statement["Effect"] != "Allow":
            continue
        prefixes = statement.get("Condition", {}).get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys", [])
        grants |= {(a, p) for a in as_list(statement["Action"]) if a in WRITE_ACTIONS for p in prefixes}
    return grants


def test_the_sweeper_writes_only_visits_and_room_days(transformed: dict[str, Any]) -> None:
    assert sweeper_writes(transformed) == {
        ("dynamodb:UpdateItem", "VISITDAY#*"),
        ("dynamodb:PutItem", "ROOMDAY#*"),
        ("dynamodb:DeleteItem", "ROOMDAY#*"),
    }


def test_the_no_show_release_writes_only_what_the_sweeper_is_granted(
    transformed: dict[str, Any], container: Container
) -> None:
    from datetime import UTC, datetime, timedelta
    from fnmatch import fnmatch

    from skill.bootstrap import Services
    from skill.domain.model import Booking

    # Given a booking in Everest nobody checked in to, and every write the table client makes recorded
    start = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    container.bookings.add_booking(Booking("b1", "everest", start, start + timedelta(hours=1)), "Asia/Tokyo")
    written: list[tuple[str, str]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        for item in params.get("TransactItems", []):
            for kind, body in item.items():
                if kind in ("Put", "Update", "Delete"):
                    written.append((f"dynamodb:{kind}Item", (body.get("Item") or body["Key"])["PK"]["S"]))

    container.table.client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", record)

    # When the sweeper's release runs after the grace time
    assert Services(container).rooms.release_no_shows(start + timedelta(minutes=30)) == 1

    # Then every item it wrote is one the sweeper's role allows
    grants = sweeper_writes(transformed)
    assert written
    assert all(any(action == a and fnmatch(pk, p) for a, p in grants) for action, pk in written), written
