"""The Chime SDK dialer, checked against the real API model with botocore's Stubber: one request per call,
an unanswered request reported as an unknown outcome, its ids read once from the parameter store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from botocore.stub import Stubber
from fakes import InMemoryParameters

from skill.adapters.chime_dialer import ChimeDialer
from skill.domain.dialing import CallOutcomeUnknown, DialerError

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

SMA_ID = "8f3c1d2e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"
CHIME_NUMBER = "+12065550100"
NAMES = ("/office/sma-id", "/office/from-number")


def dialer_on(client: ChimeSDKVoiceClient | None = None, parameters: InMemoryParameters | None = None) -> ChimeDialer:
    found = parameters or InMemoryParameters({NAMES[0]: SMA_ID, NAMES[1]: CHIME_NUMBER})
    return ChimeDialer(found, *NAMES, boto3_client=client)


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
    dialer = dialer_on(client)

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
    dialer = dialer_on(client)
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
    dialer = dialer_on(client)

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
    dialer = dialer_on(client)

    with pytest.raises(DialerError) as err:
        dialer.place_call("call-4", "+81312340005", "+81345781234", None)
    assert err.value.retryable


def test_client_is_built_lazily_with_standard_retries() -> None:
    # Given a dialer made without a client / Then no client exists until it is needed
    dialer = dialer_on()
    assert "client" not in vars(dialer)
    client = dialer.client
    assert client.meta.service_model.service_name == "chime-sdk-voice"
    settings = vars(client.meta.config)
    # A call is requested once: botocore's total attempts count the first one, and there are no others
    assert settings["retries"] == {"mode": "standard", "total_max_attempts": 1}
    assert (settings["connect_timeout"], settings["read_timeout"]) == (1, 3)


def test_a_request_whose_answer_never_comes_is_an_unknown_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a client whose request went out and timed out waiting for the answer
    client = boto3.client("chime-sdk-voice", region_name="us-east-1")

    def timeout(**_: object) -> None:
        raise ReadTimeoutError(endpoint_url="https://voice-chime.us-east-1.amazonaws.com")

    monkeypatch.setattr(client, "create_sip_media_application_call", timeout)

    # When a call is placed / Then it is neither a failure to retry nor a success: the call may ring
    with pytest.raises(CallOutcomeUnknown) as err:
        dialer_on(client).place_call("call-5", "+81312340005", "+81345781234", None)
    assert not err.value.retryable


def test_the_ids_are_read_once_and_missing_ones_refuse_the_call(
    client_and_stub: tuple[ChimeSDKVoiceClient, Stubber],
) -> None:
    # Given the parameter store holding the ids, and one holding neither
    client, stub = client_and_stub
    for n in (1, 2):
        stub.add_response(
            "create_sip_media_application_call", {"SipMediaApplicationCall": {"TransactionId": f"tx-{n}"}}
        )
    parameters = InMemoryParameters({NAMES[0]: SMA_ID, NAMES[1]: CHIME_NUMBER})
    dialer = dialer_on(client, parameters)

    # When two calls are placed, and one from a dialer whose ids are missing
    dialer.place_call("call-6", "+81312340005", "+81345781234", None)
    dialer.place_call("call-7", "+81312340005", "+81345781234", None)
    with pytest.raises(DialerError) as missing:
        dialer_on(client, InMemoryParameters()).place_call("call-8", "+81312340005", "+81345781234", None)

    # Then the ids were read once, and the call without them is refused for good
    assert parameters.reads == 1
    assert (missing.value.reason, missing.value.retryable) == ("not_configured", False)


def test_the_request_id_travels_in_the_calls_arguments(client_and_stub: tuple[ChimeSDKVoiceClient, Stubber]) -> None:
    client, stub = client_and_stub
    stub.add_response(
        "create_sip_media_application_call",
        {"SipMediaApplicationCall": {"TransactionId": "tx-9"}},
        {
            "FromPhoneNumber": CHIME_NUMBER,
            "ToPhoneNumber": "+81312340005",
            "SipMediaApplicationId": SMA_ID,
            "ArgumentsMap": {"CallId": "call-9", "BridgeTo": "+81345781234", "RequestId": "amzn1.echo-api.request.9"},
        },
    )
    dialer_on(client).place_call("call-9", "+81312340005", "+81345781234", None, request_id="amzn1.echo-api.request.9")
