"""Every boto3 client the application makes, with the botocore settings of its kind of call.

Endpoints come from boto3's own overrides (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`), so the same
code reaches AWS, moto's server or any local stand-in. A client's worst case is what one call costs when
every attempt stalls to its timeouts and every retry waits its longest backoff (botocore's standard mode
waits at most 1 s after a first throttled attempt, 2 s after a second; DynamoDB sends no Retry-After):

- `voice`, DynamoDB for the skill and the published feed: 2 attempts, 0.5 s to connect, 2 s to read:
  2 × (0.5 + 2) + 1 = 6 s, inside the 6.5 s voice budget (the deadline guard answers for the rest).
- `call_flow`, DynamoDB for the SIP media application (a 5 s Lambda timeout; its status writes are best
  effort): 1 attempt, 0.5 s, 2 s: 2.5 s.
- `jobs`, DynamoDB for the scheduled jobs, the notifier and `office-admin`: 4 attempts, 2 s, 8 s:
  4 × (2 + 8) + 1 + 2 + 4 = 47 s, inside the shortest job function's timeout (the sweeper's 60 s).
- `send_once`, a Chime SDK Voice call, an SES email, an SNS SMS: 1 attempt, 1 s, 3 s: 4 s, never re-sent
  by the SDK; a confirmed call's answer fits the voice budget even when the provider does not answer.
- `parameters`, SSM Parameter Store reads (the dialer's ids, `ssm:/` webhook addresses), on the voice path
  once per container: 2 attempts, 0.5 s, 1 s: 2 × (0.5 + 1) + 1 = 4 s.

DynamoDB reads and conditional writes may be retried: a retried transaction carries its own client
request token, a retried conditional put recognises its own write. A call, an email or an SMS has no
idempotency token, so the SDK sends it once (`send_once`); whether to try again is the application's
decision, made with a stable key per target (see `skill.services.delivery`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config

Kind = Literal["voice", "call_flow", "jobs", "send_once", "parameters"]

# `total_max_attempts` counts the first attempt; botocore's `max_attempts` would count retries only.
SETTINGS: dict[Kind, dict[str, Any]] = {
    "voice": {"retries": {"mode": "standard", "total_max_attempts": 2}, "connect_timeout": 0.5, "read_timeout": 2},
    "call_flow": {"retries": {"mode": "standard", "total_max_attempts": 1}, "connect_timeout": 0.5, "read_timeout": 2},
    "jobs": {"retries": {"mode": "standard", "total_max_attempts": 4}, "connect_timeout": 2, "read_timeout": 8},
    "send_once": {"retries": {"mode": "standard", "total_max_attempts": 1}, "connect_timeout": 1, "read_timeout": 3},
    "parameters": {"retries": {"mode": "standard", "total_max_attempts": 2}, "connect_timeout": 0.5, "read_timeout": 1},
}


def config(kind: Kind) -> Config:
    """The botocore settings of `kind` (connections are kept alive between the calls of a warm process)."""
    from botocore.config import Config

    return Config(**SETTINGS[kind], tcp_keepalive=True)


def client(
    service: str,
    kind: Kind,
    *,
    region: str | None = None,
    session: boto3.Session | None = None,
    endpoint_url: str | None = None,
) -> Any:
    """A client of `service` with the settings of `kind`; `session` for a named profile (the admin CLI),
    `endpoint_url` when one is given explicitly rather than through the environment."""
    import boto3

    maker = session or boto3
    return maker.client(service, region_name=region, endpoint_url=endpoint_url, config=config(kind))  # type: ignore[call-overload]
