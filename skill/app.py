"""Lambda entry points only: the skill, the scheduled jobs, the notifier, the usage counters, the published feed
and the SIP media application. Each wires the use cases it needs once per container, lazily, with the AWS client
settings of its kind of work (`skill.adapters.aws`), and calls them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from skill.observability import count, logger, metrics

if TYPE_CHECKING:
    from collections.abc import Callable

    from ask_sdk_core.skill import CustomSkill

    from skill.adapters.aws import Kind
    from skill.bootstrap import Services
    from skill.observability import MetricName

_services: dict[Kind, Services] = {}
_skill: CustomSkill | None = None


class EnvelopeError(ValueError):
    """The event is not an Alexa request envelope."""


class ForeignSkillError(PermissionError):
    """The envelope was sent for another skill's application id."""


def services(kind: Kind = "voice") -> Services:
    """The use cases, wired once per process with DynamoDB clients of `kind`."""
    if kind not in _services:
        from skill.bootstrap import wire

        wired = _services[kind] = wire(kind=kind)
        if wired.settings.tracing:
            from skill.observability import start_tracing

            start_tracing()
    return _services[kind]


def _get_skill() -> CustomSkill:
    global _skill
    if _skill is None:
        from skill.alexa.builder import build_skill

        _skill = build_skill(services())
    return _skill


def _application_id(event: dict[str, Any]) -> Any:
    for path in (("context", "System", "application"), ("session", "application")):
        node: Any = event
        for name in path:
            node = node.get(name) if isinstance(node, dict) else None
        if isinstance(node, dict) and "applicationId" in node:
            return node["applicationId"]
    return None


def check_envelope(event: Any, skill_id: str | None) -> None:
    """Refuse what is not a request envelope, or is meant for another skill, before anything runs.

    Without a skill id (SKILL_ID unset or empty) every request is refused: no envelope can prove it is
    ours."""
    if not isinstance(event, dict):
        raise EnvelopeError("the body is not a JSON object")
    request = event.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("type"), str):
        raise EnvelopeError("missing request.type")
    if not isinstance(request.get("requestId", ""), str):
        raise EnvelopeError("request.requestId must be a string")
    for name in ("context", "session"):
        if name in event and not isinstance(event[name], dict):
            raise EnvelopeError(f"{name} must be an object")
    if not skill_id:
        raise ForeignSkillError("no skill id is configured (SKILL_ID): every request is refused")
    if _application_id(event) != skill_id:
        raise ForeignSkillError("the envelope is for another skill")


# The device interfaces the skill asks about; the SDK's deserialiser imports a model package for every
# interface and context entry it meets (AudioPlayer, Display, Viewport...), so the rest is left out of it.
READ_INTERFACES = ("Alexa.Presentation.APL",)


def readable(event: dict[str, Any]) -> dict[str, Any]:
    """The envelope as the skill reads it: `context` keeps only `System`, and the device's
    supportedInterfaces only those in READ_INTERFACES. The event itself is not changed."""
    context = event.get("context")
    if not isinstance(context, dict):
        return event
    system = context.get("System")
    if not isinstance(system, dict):
        return {**event, "context": {}}
    device = system.get("device")
    interfaces = device.get("supportedInterfaces") if isinstance(device, dict) else None
    if isinstance(interfaces, dict):
        kept = {name: value for name, value in interfaces.items() if name in READ_INTERFACES}
        system = {**system, "device": {**device, "supportedInterfaces": kept}}  # type: ignore[dict-item]
    return {**event, "context": {"System": system}}


def handle_skill_event(event: Any, lambda_context: Any = None) -> dict[str, Any]:
    from ask_sdk_model import RequestEnvelope

    skill = _get_skill()
    check_envelope(event, services().settings.skill_id)
    try:
        envelope = skill.serializer.deserialize(payload=json.dumps(readable(event)), obj_type=RequestEnvelope)
    except Exception as exc:  # the SDK raises bare exceptions for values of the wrong type
        raise EnvelopeError("the envelope does not match the Alexa request format") from exc
    if envelope.request is None:
        raise EnvelopeError("unknown request type")
    response = skill.invoke(request_envelope=envelope, context=lambda_context)
    body = skill.serializer.serialize(response)
    if not isinstance(body, dict):
        raise TypeError("the skill produced no response envelope")
    return body


def answer(event: Any, lambda_context: Any = None) -> dict[str, Any]:
    """The skill's answer within the deadline guard: the `unavailable` message when the backend hangs."""
    from skill.deadline import answer_within

    settings = services().settings
    return answer_within(
        event if isinstance(event, dict) else {},
        lambda_context,
        lambda: handle_skill_event(event, lambda_context),
        cap_ms=settings.deadline_cap_ms,
        margin_ms=settings.deadline_margin_ms,
    )


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], lambda_context: Any) -> dict[str, Any]:
    """The Alexa skill endpoint."""
    return answer(event, lambda_context)


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
def refresher(event: dict[str, Any], lambda_context: Any) -> dict[str, Any]:
    """The calendar refresh, on an EventBridge schedule: every room's and user's feed."""
    from skill.services.calendars import summarize

    jobs = services("jobs")
    summary = summarize(jobs.calendars.refresh_all(jobs.now()))
    logger.info("calendar refresh", extra=summary)
    failed = summary["failed"]
    count("FeedStale", failed if isinstance(failed, int) else 0)
    return summary


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
def calendar_feed(event: dict[str, Any], lambda_context: Any) -> dict[str, Any]:
    """A room's published booking feed behind a Lambda function URL (payload format 2.0)."""
    from skill.services.calendars import NOT_FOUND

    method = event.get("requestContext", {}).get("http", {}).get("method", "GET")
    query = event.get("queryStringParameters") or {}
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    feed = services()
    answer = None
    if method == "GET":
        answer = feed.calendars.serve(
            event.get("rawPath", ""), query.get("token"), feed.now(), headers.get("if-none-match")
        )
    answer = answer or NOT_FOUND
    return {
        "statusCode": answer.status,
        "headers": answer.headers,
        "body": answer.body.decode("utf-8"),
        "isBase64Encoded": False,
    }


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
def sma_handler(event: dict[str, Any], lambda_context: Any) -> dict[str, Any]:
    """The SIP media application's Lambda: bridges a placed call and writes its progress into the call log."""
    return services("call_flow").call_flow.handle(event)


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
def notifier(event: dict[str, Any], lambda_context: Any) -> dict[str, Any]:
    """Host notifications from the table's DynamoDB Stream (visit inserts), reporting partial failures; on its
    schedule, the digests of hours that are over (the visitors beyond a host's hourly limit)."""
    notifications = services("jobs").notifications
    if "Records" not in event:
        results = notifications.send_digests()
        count("NotificationFailed", sum(1 for r in results if r.status == "failed"))
        return {"digests": len(results), "delivered": sum(1 for r in results if r.status == "delivered")}
    return _each_record(event, lambda_context, notifications.notify_record, "NotificationFailed")


def _each_record(
    event: dict[str, Any], lambda_context: Any, handle: Callable[[dict[str, Any]], object], failed: MetricName
) -> dict[str, Any]:
    """A DynamoDB Stream batch, `handle` called with each record; the records that failed are reported (so the
    event source retries from the first of them, then bisects) and counted as `failed`."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

    def each(record: DynamoDBRecord) -> None:
        handle(record.raw_event)

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    response = process_partial_response(event=event, record_handler=each, processor=processor, context=lambda_context)
    count(failed, len(response["batchItemFailures"]))
    return dict(response)


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
def usage(event: dict[str, Any], lambda_context: Any) -> dict[str, Any]:
    """Usage counters from the table's DynamoDB Stream (bookings, feed busy time, visits, calls, problems), each
    record folded idempotently into its site's day, reporting partial failures."""
    return _each_record(event, lambda_context, services("jobs").usage.fold_record, "UsageFailed")


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
def sweeper(event: dict[str, Any], lambda_context: Any) -> dict[str, Any]:
    """Housekeeping on an EventBridge schedule: visitors still on site at the end of the day are checked out,
    and room bookings nobody checked in to are released."""
    jobs = services("jobs")
    now = jobs.now()
    return {
        "visitors_checked_out": jobs.reception.auto_check_out(now),
        "bookings_released": jobs.rooms.release_no_shows(now),
    }
