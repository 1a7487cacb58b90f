"""Places calls through the Amazon Chime SDK PSTN audio service.

`CreateSipMediaApplicationCall` rings the first phone (the room's speakerphone or the user's phone); the
SIP media application (see `skill.services.sma`) bridges it to the callee and sends the DTMF digits that
travel in the call's arguments, with the id of the request that placed the call so its log lines carry it.

The API has no idempotency token, so a call is requested once (`send_once` client): a request whose answer
does not come in time may still ring, and is reported as an unknown outcome, never sent again. The SIP
media application's id and the calling number are SSM parameters, read on the first call.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError, ConnectionClosedError, ReadTimeoutError

from skill.adapters import aws
from skill.domain.dialing import CallOutcomeUnknown, DialerError
from skill.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

    from skill.ports import Parameters

RETRYABLE_CODES = frozenset(
    {"ThrottledClientException", "ServiceUnavailableException", "ServiceFailureException", "ThrottlingException"}
)
LIMIT_CODES = frozenset({"ResourceLimitExceededException"})


class ChimeDialer:
    def __init__(
        self,
        parameters: Parameters,
        sma_id_parameter: str,
        from_number_parameter: str,
        boto3_client: ChimeSDKVoiceClient | None = None,
    ) -> None:
        self.parameters = parameters
        self.names = (sma_id_parameter, from_number_parameter)
        self._client = boto3_client

    @cached_property
    def client(self) -> ChimeSDKVoiceClient:
        return self._client or aws.client("chime-sdk-voice", "send_once")

    @cached_property
    def ids(self) -> tuple[str, str]:
        """(the SIP media application id, the calling number), read once from SSM."""
        try:
            found = self.parameters.get_many(self.names)
        except LookupError:
            logger.error("telephony parameters missing")
            raise DialerError("not_configured", retryable=False) from None
        except (BotoCoreError, ClientError):
            logger.warning("telephony parameters not read", exc_info=True)
            raise DialerError("unreachable", retryable=True) from None
        return found[self.names[0]], found[self.names[1]]

    def place_call(
        self, call_id: str, from_room_phone: str, to: str, digits: str | None, *, request_id: str | None = None
    ) -> str:
        """Ring `from_room_phone`, then bridge it to `to`; returns the provider's TransactionId."""
        sip_media_application_id, from_number = self.ids
        arguments = {"CallId": call_id, "BridgeTo": to}
        if digits:
            arguments["Digits"] = digits
        if request_id:
            arguments["RequestId"] = request_id
        try:
            response = self.client.create_sip_media_application_call(
                FromPhoneNumber=from_number,
                ToPhoneNumber=from_room_phone,
                SipMediaApplicationId=sip_media_application_id,
                ArgumentsMap=arguments,
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            logger.warning("call not placed", extra={"call_id": call_id, "error_code": code})
            if code in RETRYABLE_CODES:
                raise DialerError("throttled", retryable=True) from None
            if code in LIMIT_CODES:
                raise DialerError("limit", retryable=True) from None
            raise DialerError("rejected", retryable=False) from None
        except (ReadTimeoutError, ConnectionClosedError) as error:
            logger.warning("call requested, no answer from the provider", extra={"call_id": call_id})
            raise CallOutcomeUnknown(type(error).__name__) from None
        except BotoCoreError as error:
            logger.warning("call not placed", extra={"call_id": call_id, "error_code": type(error).__name__})
            raise DialerError("unreachable", retryable=True) from None
        transaction_id = response["SipMediaApplicationCall"]["TransactionId"]
        logger.info("call placed", extra={"call_id": call_id, "transaction_id": transaction_id})
        return transaction_id
