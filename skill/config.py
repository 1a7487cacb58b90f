"""Settings: one frozen dataclass, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

LOCAL_SKILL_ID = "amzn1.ask.skill.office-assistant-local"


@dataclass(frozen=True)
class Settings:
    skill_id: str | None
    table: str = "office-assistant"
    region: str = "us-east-1"
    cache_ttl_seconds: float = 30.0
    claim_ttl_minutes: int = 15
    feed_stale_minutes: int = 15
    lookahead_days: int = 14
    deadline_margin_ms: int = 1500
    sender_email: str | None = None
    sma_id_parameter: str | None = None  # SSM parameter names, never the secrets themselves
    from_number_parameter: str | None = None
    webhook_parameter_prefix: str | None = None
    deadline_cap_ms: int = 6500  # the voice answer's budget, well inside Alexa's 8 seconds
    tracing: bool = False  # X-Ray through Powertools Tracer: off by default, it costs cold start
    allow_loopback_urls: bool = False  # feeds and webhooks on 127.0.0.0/8 or ::1 (see skill.adapters.egress)
    # What the providers accept, per second and per process (skill.adapters.pacing): SES's sending rate (1 in
    # the SES sandbox), SNS's SMS throughput (1 a second for a long code), the telephony API's calls per second.
    email_per_second: float = 1.0
    sms_per_second: float = 1.0
    calls_per_second: float = 1.0
    in_lambda: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, local: bool = False) -> Settings:
        e = os.environ if env is None else env
        return cls(
            skill_id=e.get("SKILL_ID") or (LOCAL_SKILL_ID if local else None),
            table=e.get("OFFICE_TABLE", "office-assistant"),
            region=e.get("AWS_REGION") or e.get("AWS_DEFAULT_REGION") or "us-east-1",
            cache_ttl_seconds=float(e.get("OFFICE_CACHE_TTL_SECONDS", "30")),
            claim_ttl_minutes=int(e.get("OFFICE_CLAIM_TTL_MINUTES", "15")),
            feed_stale_minutes=int(e.get("OFFICE_FEED_STALE_MINUTES", "15")),
            lookahead_days=int(e.get("OFFICE_LOOKAHEAD_DAYS", "14")),
            sender_email=e.get("OFFICE_SENDER_EMAIL"),
            sma_id_parameter=e.get("OFFICE_SMA_ID_PARAMETER"),
            from_number_parameter=e.get("OFFICE_FROM_NUMBER_PARAMETER"),
            webhook_parameter_prefix=e.get("OFFICE_WEBHOOK_PARAMETER_PREFIX"),
            deadline_cap_ms=int(e.get("OFFICE_DEADLINE_CAP_MS", "6500")),
            tracing=e.get("OFFICE_TRACING", "").lower() == "true",
            allow_loopback_urls=e.get("OFFICE_ALLOW_LOOPBACK_URLS") == "1",
            email_per_second=_rate(e, "OFFICE_EMAIL_PER_SECOND"),
            sms_per_second=_rate(e, "OFFICE_SMS_PER_SECOND"),
            calls_per_second=_rate(e, "OFFICE_CALLS_PER_SECOND"),
            in_lambda=bool(e.get("AWS_LAMBDA_FUNCTION_NAME")),
        )


def _rate(env: Mapping[str, str], name: str) -> float:
    """A positive number of sends per second from `name`; 1 when unset."""
    text = env.get(name) or "1"
    try:
        rate = float(text)
    except ValueError:
        rate = float("nan")
    if not 0 < rate < float("inf"):
        raise ValueError(f"{name} must be a positive number of sends per second, got {text!r}")
    return rate
