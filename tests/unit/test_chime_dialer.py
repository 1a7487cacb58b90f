"""The Chime SDK dialer, checked against the real API model with botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError
from botocore.stub import Stubber

from skill.adapters.chime_dialer import ChimeDialer
from skill.domain.dialing import DialerError

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

SMA_ID = "8f3c1d2e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"
CHIME_NUMBER = "+12065550100"


@pytest.fixture
def client_and_stub() -> Iterator[tuple[ChimeSDKVoiceClient, Stubber]]:
    client = boto3.client("chime-sdk-voice", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def test_place_call_rings_the_room_and_passes_what_to_bridge(
    client_and_stub: tuple[ChimeSDKVoiceClient, Stubber],
) -> None:
    # Given a dialer on a stubbed client expecting the documented request
    client, stub = client_and_stub
    stub.add_response(
        "create_sip_media_application_call",
        {"SipMediaApplicationCall": {"TransactionId": "tx-1"}},
        {
            "FromPhoneNumber": CHIME_NUMBER,
            "ToPhoneNumber": "+81312340005",
            "SipMediaApplicationId": SMA_ID,
            "ArgumentsMap": {"CallId": "call-1", "BridgeTo": "+81345781234", "Digits": ",,842193567#"},
        },
    )
    dialer = ChimeDialer(SMA_ID, CHIME_NUMBER, boto3_client=client)

    # When a call to a meeting bridge is placed from the room
    transaction = dialer.place_call("call-1", "+81312340005", "+81345781234", ",,842193567#")

    # Then the provider's transaction id comes back
    assert transaction == "tx-1"


def test_no_digits_argument_without_digits(client_and_stub: tuple[ChimeSDKVoiceClient, Stubber]) -> None:
    client, stub = client_and_stub
    stub.add_response(
        "create_sip_media_application_call",
        {"SipMediaApplicationCall": {"TransactionId": "tx-2"}},
        {
            "FromPhoneNumber": CHIME_NUMBER,
            "ToPhoneNumber": "+819012345678",
            "SipMediaApplicationId": SMA_ID,
            "ArgumentsMap": {"CallId": "call-2", "BridgeTo": "+12065550123"},
        },
    )
    dialer = ChimeDialer(SMA_ID, CHIME_NUMBER, boto3_client=client)
    assert dialer.place_call("call-2", "+819012345678", "+12065550123", None) == "tx-2"


@pytest.mark.parametrize(
    ("code", "reason", "retryable"),
    [
        ("ThrottledClientException", "throttled", True),
        ("ServiceUnavailableException", "throttled", True),
        ("ResourceLimitExceededException", "limit", True),
        ("BadRequestException", "rejected", False),
        ("ForbiddenException", "rejected", False),
    ],
)
def test_provider_errors_say_whether_to_retry(
    client_and_stub: tuple[ChimeSDKVoiceClient, Stubber], code: str, reason: str, retryable: bool
) -> None:
    # Given the provider answers with an error
    client, stub = client_and_stub
    stub.add_client_error("create_sip_media_application_call", service_error_code=code, http_status_code=400)
    dialer = ChimeDialer(SMA_ID, CHIME_NUMBER, boto3_client=client)

    # When a call is placed / Then a DialerError says whether a later retry may work
    with pytest.raises(DialerError) as err:
        dialer.place_call("call-3", "+81312340005", "+81345781234", None)
    assert (err.value.reason, err.value.retryable) == (reason, retryable)


def test_network_failure_is_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a client whose connection times out
    client = boto3.client("chime-sdk-voice", region_name="us-east-1")

    def timeout(**_: object) -> None:
        raise ConnectTimeoutError(endpoint_url="https://voice-chime.us-east-1.amazonaws.com")

    monkeypatch.setattr(client, "create_sip_media_application_call", timeout)
    dialer = ChimeDialer(SMA_ID, CHIME_NUMBER, boto3_client=client)

    with pytest.raises(DialerError) as err:
        dialer.place_call("call-4", "+81312340005", "+81345781234", None)
    assert err.value.retryable


def test_client_is_built_lazily_with_standard_retries() -> None:
    # Given a dialer made without a client / Then no client exists until it is needed
    dialer = ChimeDialer(SMA_ID, CHIME_NUMBER)
    assert dialer._client is None
    client = dialer.client
    assert client.meta.service_model.service_name == "chime-sdk-voice"
    settings = vars(client.meta.config)
    # botocore counts the first attempt as well as the three retries
    assert settings["retries"] == {"mode": "standard", "total_max_attempts": 4}
    assert (settings["connect_timeout"], settings["read_timeout"]) == (2, 4)
