"""Progressive responses: a short "one moment" spoken through Alexa's directive service before slow work.

Alexa speaks a `VoicePlayer.Speak` directive posted to `{apiEndpoint}/v1/directives` while the skill is
still working (placing a call, joining a meeting). It is a courtesy: a failure or a slow directive service
must never delay the answer by more than the timeout, nor break it, so nothing here raises.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from ask_sdk_core.handler_input import HandlerInput

from skill.observability import logger

DIRECTIVES_PATH = "/v1/directives"
TIMEOUT_SECONDS = 1.0
# Alexa's API access tokens are JWTs; local runtimes and virtual-alexa send placeholders that no directive
# service would accept, so those requests are not sent at all.
ALEXA_TOKEN_PREFIX = "eyJ"  # noqa: S105 - the start of any JWT, not a secret


def _target(handler_input: HandlerInput, allow_http: bool) -> tuple[str, str, str] | None:
    """(url, token, request id) of the directive service for this request, or None when it has none."""
    envelope = handler_input.request_envelope
    system: Any = getattr(getattr(envelope, "context", None), "system", None)
    endpoint = getattr(system, "api_endpoint", None)
    token = getattr(system, "api_access_token", None)
    request_id = getattr(getattr(envelope, "request", None), "request_id", None)
    if not (endpoint and token and request_id) or not str(token).startswith(ALEXA_TOKEN_PREFIX):
        return None
    if not (str(endpoint).startswith("https://") or (allow_http and str(endpoint).startswith("http://"))):
        return None
    return str(endpoint).rstrip("/") + DIRECTIVES_PATH, str(token), str(request_id)


def send_progressive(
    handler_input: HandlerInput, speech: str, *, allow_http: bool = False, timeout: float = TIMEOUT_SECONDS
) -> bool:
    """Ask Alexa to say `speech` now; True when the directive service accepted it.

    `allow_http` lets tests point the envelope's apiEndpoint at a local server.
    """
    target = _target(handler_input, allow_http)
    if target is None:
        return False
    url, token, request_id = target
    body = {"header": {"requestId": request_id}, "directive": {"type": "VoicePlayer.Speak", "speech": speech}}
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked in _target
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return bool(200 <= answer.status < 300)
    except urllib.error.HTTPError as refused:
        logger.warning("progressive response refused", extra={"status": refused.code})
    except (urllib.error.URLError, OSError, ValueError) as failed:
        logger.warning("progressive response not sent", extra={"error": type(failed).__name__})
    return False
