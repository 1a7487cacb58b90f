"""Structured JSON logs (Powertools Logger) with the Alexa requestId as correlation id, EMF metrics
(Powertools Metrics) and optional X-Ray tracing.

`logger` is the one logger of every module. A voice request sets its requestId as the correlation id; work
done later for a stored fact (a visit's notification, a call's progress, a booking's release) runs inside
`correlated(fact.request_id)`, so one id follows a check-in from the lobby to the host's phone.

Log lines carry ids, intents, statuses and counts; never names, phone numbers, PINs or envelopes.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal, TextIO

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "office-assistant"
NAMESPACE = "OfficeAssistant"

# stderr keeps stdout clean for what commands print (office-admin --json); Lambda collects both.
logger = Logger(service=SERVICE, stream=sys.stderr)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

# Entry points flush metrics even when nothing was counted; that is normal, not worth a warning.
warnings.filterwarnings("ignore", message="No application metrics to publish")

MetricName = Literal[
    "BookingConflict",
    "NoShowReleased",
    "VisitorCheckedIn",
    "NotificationFailed",
    "FeedStale",
    "DeadlineFallback",
    "CallPlaced",
    "CallRefused",
    "CallLimitReached",
    "CheckInLimitReached",
    "BookingLimitReached",
    "NotificationLimitReached",
    "NotificationDigestSent",
    "ProblemReported",
    "ProblemLimitReached",
    "UsageFailed",
]


@contextmanager
def correlated(request_id: str | None) -> Iterator[None]:
    """Log lines of this thread carry `request_id` as their correlation id while the block runs (the
    request that created the fact being worked on); nothing changes when there is none."""
    if not request_id:
        yield
        return
    logger.thread_safe_append_keys(correlation_id=request_id)
    try:
        yield
    finally:
        logger.thread_safe_remove_keys(["correlation_id"])


def send_logs_to(stream: TextIO) -> None:
    """Every log line of the process to `stream`, as JSON in this logger's format: the logger's own, and what
    libraries (the embedded server, botocore) and Python's warnings log, which reach the root logger and so
    carry the same fields and correlation id."""
    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(stream)
    logging.getLogger(logger.name).propagate = False  # its own handler writes it; the root's would again
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    shared = logging.StreamHandler(stream)
    shared.setFormatter(logger.registered_formatter)
    root.addHandler(shared)
    logging.captureWarnings(True)


def quiet(library: str) -> None:
    """Only errors from `library`'s logger (a server that would log every request)."""
    logging.getLogger(library).setLevel(logging.ERROR)


def flush_logs() -> None:
    """Flush and close every log handler, before the process ends without the interpreter's own exit."""
    logging.shutdown()


def count(name: MetricName, value: int = 1) -> None:
    """Add `value` to the metric `name` (published when the entry point returns); never raises."""
    if value <= 0:
        return
    try:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    except Exception:  # a metric must never cost the listener an answer
        logger.warning("metric not recorded", extra={"metric": name}, exc_info=True)


def start_tracing() -> None:
    """X-Ray tracing of boto3 and HTTP calls (Powertools Tracer with auto-patching); needs aws-xray-sdk."""
    try:
        from aws_lambda_powertools import Tracer

        Tracer(service=SERVICE, auto_patch=True)
    except ImportError:
        logger.warning("tracing asked for, but aws-xray-sdk is not installed; tracing stays off")
