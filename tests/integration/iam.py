"""The transformed template as a deployed stack would see it, for one set of parameter values: each function's
environment and its role's policy statements with every intrinsic function resolved, and IAM's evaluation of
a request against those statements (an explicit Deny wins, then any Allow; nothing else is allowed).

Only the condition operators the template uses are understood; any other one fails loudly rather than being
read as a grant.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from recordingproxy import ACCOUNT, REGION, Check

_NO_VALUE = object()
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass(frozen=True)
class Statement:
    sid: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: Mapping[str, Mapping[str, Any]]


@dataclass
class Stack:
    """The transformed template with `parameters` (defaults filled in) resolved as CloudFormation would."""

    template: dict[str, Any]
    parameters: dict[str, str]

    def __post_init__(self) -> None:
        defaults = {k: str(v.get("Default", "")) for k, v in self.template["Parameters"].items() if "Default" in v}
        self.parameters = {**defaults, **self.parameters}
        self.conditions = {name: bool(self.resolve(body)) for name, body in self.template.get("Conditions", {}).items()}

    # ------------------------------------------------------------------ functions

    def functions(self) -> dict[str, dict[str, Any]]:
        return {n: r for n, r in self.template["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}

    def handler(self, function: str) -> str:
        return str(self.functions()[function]["Properties"]["Handler"])

    def environment(self, function: str) -> dict[str, str]:
        variables = self.functions()[function]["Properties"].get("Environment", {}).get("Variables", {})
        return {name: str(self.resolve(value)) for name, value in variables.items()}

    def statements(self, function: str) -> list[Statement]:
        role_name = self.functions()[function]["Properties"]["Role"]["Fn::GetAtt"][0]
        role = self.template["Resources"][role_name]["Properties"]
        found = []
        for policy in role.get("Policies", []):
            for raw in self.resolve(policy["PolicyDocument"])["Statement"]:
                found.append(
                    Statement(
                        sid=raw.get("Sid") or policy["PolicyName"],
                        effect=raw["Effect"],
                        actions=tuple(_list(raw["Action"])),
                        resources=tuple(_list(raw["Resource"])),
                        condition=raw.get("Condition", {}),
                    )
                )
        return found

    # ------------------------------------------------------------------ intrinsic functions

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.resolve(item) for item in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((name, value),) = node.items()
            if name == "Ref":
                return self._ref(value)
            if name == "Fn::GetAtt":
                return self._attribute(*value) if isinstance(value, list) else self._attribute(*value.split(".", 1))
            if name == "Fn::Sub":
                return self._sub(value)
            if name == "Fn::If":
                chosen = value[1] if self.conditions[value[0]] else value[2]
                return self.resolve(chosen)
            if name == "Fn::Equals":
                left, right = (self.resolve(v) for v in value)
                return str(left) == str(right)
            if name == "Fn::Not":
                return not self.resolve(value[0])
            if name == "Fn::And":
                return all(self.resolve(v) for v in value)
            if name == "Fn::Or":
                return any(self.resolve(v) for v in value)
            if name == "Condition":
                return self.conditions[value]
            if name == "Fn::Join":
                return value[0].join(str(v) for v in self.resolve(value[1]))
            if name == "Fn::Select":
                return self.resolve(value[1])[int(self.resolve(value[0]))]
            if name == "Fn::Split":
                return str(self.resolve(value[1])).split(value[0])
        resolved = {k: self.resolve(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::StackName": "office-assistant",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name == "Table":
            return self.parameters["TableName"]
        return name  # another resource's physical id: its logical name stands in

    def _attribute(self, resource: str, attribute: str) -> str:
        if resource == "Table":
            table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{self.parameters['TableName']}"
            return {"Arn": table, "StreamArn": f"{table}/stream/2026-01-01T00:00:00.000"}[attribute]
        if attribute == "Arn":
            service = {"AWS::SQS::Queue": "sqs", "AWS::Lambda::Function": "lambda"}.get(
                self.template["Resources"][resource]["Type"], "unknown"
            )
            return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"
        return f"{resource}.{attribute}"

    def _sub(self, value: Any) -> str:
        text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])

        def replace(match: re.Match[str]) -> str:
            name = match[1]
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                return self._attribute(*name.split(".", 1))
            return str(self._ref(name))

        return _SUB.sub(replace, text)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------------------------------- evaluation


def allowed(check: Check, statements: list[Statement]) -> bool:
    """IAM's answer for one check: denied by any matching Deny, else allowed by any matching Allow."""
    matching = [s for s in statements if _matches(s, check)]
    return not any(s.effect == "Deny" for s in matching) and any(s.effect == "Allow" for s in matching)


def denied(checks: list[Check], statements: list[Statement]) -> list[str]:
    return sorted({str(check) for check in checks if not allowed(check, statements)})


def _matches(statement: Statement, check: Check) -> bool:
    action = any(fnmatch.fnmatchcase(check.action.lower(), pattern.lower()) for pattern in statement.actions)
    resource = any(fnmatch.fnmatchcase(check.resource, pattern) for pattern in statement.resources)
    return action and resource and all(_condition(op, block, check) for op, block in statement.condition.items())


def _condition(operator: str, block: Mapping[str, Any], check: Check) -> bool:
    qualifier, _, test = operator.rpartition(":")
    compare = {"StringEquals": lambda v, p: v == p, "StringLike": fnmatch.fnmatchcase}.get(test)
    if compare is None or qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise AssertionError(f"condition operator {operator!r} is not understood by this evaluation")
    for key, patterns in block.items():
        if key != "dynamodb:LeadingKeys":
            raise AssertionError(f"condition key {key!r} is not understood by this evaluation")
        values = check.leading_keys
        hits = [any(compare(v, p) for p in _list(patterns)) for v in values or ()]
        if qualifier == "ForAllValues":
            ok = all(hits)  # true for a request without the key, as in IAM
        elif qualifier == "ForAnyValue":
            ok = any(hits)
        else:
            ok = values is not None and len(values) == 1 and hits[0]
        if not ok:
            return False
    return True


def grants(statements: list[Statement]) -> Iterator[tuple[str, str, str]]:
    """Every (statement, what, value) an Allow grants: its actions, resources and leading-key patterns."""
    for statement in statements:
        if statement.effect != "Allow":
            continue
        for action in statement.actions:
            yield statement.sid, "action", action
        for resource in statement.resources:
            yield statement.sid, "resource", resource
        for block in statement.condition.values():
            for pattern in _list(block.get("dynamodb:LeadingKeys", [])):
                yield statement.sid, "leading key", pattern


def without(statements: list[Statement], sid: str, what: str, value: str) -> list[Statement]:
    """The statements with one grant taken out (a statement left with no action or resource goes)."""
    from dataclasses import replace

    changed: list[Statement] = []
    for statement in statements:
        if statement.sid != sid or statement.effect != "Allow":
            changed.append(statement)
            continue
        if what == "action":
            statement = replace(statement, actions=tuple(a for a in statement.actions if a != value))
        elif what == "resource":
            statement = replace(statement, resources=tuple(r for r in statement.resources if r != value))
        else:
            condition = {
                op: {key: [p for p in _list(patterns) if p != value] for key, patterns in block.items()}
                for op, block in statement.condition.items()
            }
            statement = replace(statement, condition=condition)
        if statement.actions and statement.resources:
            changed.append(statement)
    return changed
