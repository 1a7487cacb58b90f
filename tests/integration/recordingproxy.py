"""A recording HTTP proxy on 127.0.0.1 in front of moto's server: every AWS request a function's code sends is
noted as the authorisation checks IAM makes for it (action, resource ARN, `dynamodb:LeadingKeys`), then
forwarded. Chime SDK Voice, which moto does not serve, is answered here: a placed call gets a transaction id.

The service comes from the request's SigV4 credential scope, the operation from `X-Amz-Target` (DynamoDB,
SSM), the form body (SNS) or the REST path (SES v2, Chime SDK Voice).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from skill.local.faultproxy import LoopbackProxy, QuietHandler

ACCOUNT = "123456789012"
REGION = "us-east-1"
# The key schema of the table and its index, as the template defines them.
HASH_KEYS = {None: "PK", "GSI1": "GSI1PK"}
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")
_EQUALS = re.compile(r"(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)")
_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


@dataclass(frozen=True)
class Check:
    """One authorisation IAM makes for a request: `action` on `resource`, with the request's condition keys."""

    operation: str  # what the code called, e.g. "dynamodb:TransactWriteItems"
    action: str
    resource: str
    leading_keys: tuple[str, ...] | None = None  # dynamodb:LeadingKeys; None when the request has none

    def __str__(self) -> str:
        keys = f" {list(self.leading_keys)}" if self.leading_keys is not None else ""
        return f"{self.action} on {self.resource}{keys} (by {self.operation})"


class RecordingProxy(LoopbackProxy):
    def __init__(self, upstream: str) -> None:
        self.checks: list[Check] = []
        self.calls_placed: list[dict[str, Any]] = []
        super().__init__(upstream)

    def _record(self, checks: list[Check]) -> None:
        with self._lock:
            self.checks.extend(checks)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(QuietHandler):
            def _any(self) -> None:
                body = self.read_body()
                scope = _SCOPE.search(self.headers.get("Authorization", ""))
                service = scope["service"] if scope else "unsigned"
                proxy._record(checks_of(service, self.command, self.path, dict(self.headers), body))
                if service == "chime":
                    self._answer_call(body)
                    return
                self.reply(*self.relay(proxy.upstream, body))

            def _answer_call(self, body: bytes) -> None:
                with proxy._lock:
                    proxy.calls_placed.append(json.loads(body or b"{}"))
                payload = json.dumps({"SipMediaApplicationCall": {"TransactionId": str(uuid.uuid4())}}).encode()
                self.reply(201, [], payload, content_type="application/json")

            do_GET = do_POST = do_PUT = do_DELETE = _any

        return Handler


# ------------------------------------------------------------------------------------------ requests


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def checks_of(service: str, method: str, path: str, headers: dict[str, str], body: bytes) -> list[Check]:
    """The authorisation checks IAM makes for one request; an unknown request is one check nobody grants."""
    target = {k.lower(): v for k, v in headers.items()}.get("x-amz-target", "")
    if service == "dynamodb":
        return _dynamodb(target.rpartition(".")[2], json.loads(body or b"{}"))
    if service == "ssm":
        operation = target.rpartition(".")[2]
        request = json.loads(body or b"{}")
        names = request.get("Names") or [request.get("Name", "")]
        return [Check(f"ssm:{operation}", f"ssm:{operation}", arn("ssm", "parameter/" + n.lstrip("/"))) for n in names]
    if service == "sns":
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        operation = f"sns:{form.get('Action', '?')}"
        # SMS to a phone number names no resource; a topic or an endpoint is named by its ARN.
        return [Check(operation, operation, form.get("TopicArn") or form.get("TargetArn") or "*")]
    if service == "ses" and method == "POST" and urlsplit(path).path == "/v2/email/outbound-emails":
        sender = json.loads(body or b"{}").get("FromEmailAddress", "")
        address = sender.rpartition("<")[2].rstrip(">").strip()
        identities = (address, address.rpartition("@")[2])  # AWS checks the verified one: the address or its domain
        return [Check("ses:SendEmail", "ses:SendEmail", arn("ses", f"identity/{i}")) for i in identities]
    call = re.fullmatch(r"/sip-media-applications/([^/]+)/calls", urlsplit(path).path)
    if service == "chime" and method == "POST" and call:
        sma = unquote(call[1])
        return [
            Check(
                "chime:CreateSipMediaApplicationCall", "chime:CreateSipMediaApplicationCall", arn("chime", f"sma/{sma}")
            )
        ]
    return [Check(f"{service}:{method} {path}", f"{service}:unknown", "*")]


def _table_arn(table: str, index: str | None = None) -> str:
    return arn("dynamodb", f"table/{table}" + (f"/index/{index}" if index else ""))


def _pk(key: dict[str, Any]) -> str:
    return str(key["PK"]["S"])


def _dynamodb(operation: str, request: dict[str, Any]) -> list[Check]:
    name = f"dynamodb:{operation}"
    if operation in ("GetItem", "DeleteItem", "UpdateItem"):
        return [Check(name, name, _table_arn(request["TableName"]), (_pk(request["Key"]),))]
    if operation == "PutItem":
        return [Check(name, name, _table_arn(request["TableName"]), (_pk(request["Item"]),))]
    if operation == "Query":
        index = request.get("IndexName")
        return [Check(name, name, _table_arn(request["TableName"], index), (_partition_of(request, HASH_KEYS[index]),))]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        checks = []
        for table, work in request["RequestItems"].items():
            keys = (
                work["Keys"]
                if operation == "BatchGetItem"
                else [(w.get("PutRequest", {}).get("Item") or w["DeleteRequest"]["Key"]) for w in work]
            )
            checks.append(Check(name, name, _table_arn(table), tuple(_pk(k) for k in keys)))
        return checks
    if operation in ("TransactWriteItems", "TransactGetItems"):
        checks = []
        for item in request["TransactItems"]:
            ((kind, body),) = item.items()
            action = "dynamodb:GetItem" if kind == "Get" else f"dynamodb:{_TRANSACT_ACTIONS[kind]}"
            checks.append(Check(name, action, _table_arn(body["TableName"]), (_pk(body.get("Item") or body["Key"]),)))
        return checks
    return [Check(name, name, _table_arn(request.get("TableName", "?")))]


def _partition_of(request: dict[str, Any], hash_key: str) -> str:
    """The partition key value a Query's KeyConditionExpression names."""
    names = request.get("ExpressionAttributeNames", {})
    values = request.get("ExpressionAttributeValues", {})
    for attribute, placeholder in _EQUALS.findall(request["KeyConditionExpression"]):
        if names.get(attribute, attribute) == hash_key:
            return str(values[placeholder]["S"])
    raise AssertionError(f"no {hash_key} condition in {request['KeyConditionExpression']!r}")
