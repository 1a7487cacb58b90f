"""Places calls through the Amazon Chime SDK PSTN audio service.

`CreateSipMediaApplicationCall` rings the first phone (the room's speakerphone or the user's phone); the
SIP media application (see `skill.services.sma`) bridges it to the callee and sends the DTMF digits that
travel in the call's arguments.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from skill.domain.dialing import DialerError

if TYPE_CHECKING:
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

logger = logging.getLogger(__name__)

CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=4)
RETRYABLE_CODES = frozenset(
    {"ThrottledClientException", "ServiceUnavailableException", "ServiceFailureException", "ThrottlingException"}
)
LIMIT_CODES = frozenset({"ResourceLimitExceededException"})


class ChimeDialer:
    def __init__(
        self, sip_media_application_id: str, from_number: str, boto3_client: ChimeSDKVoiceClient | None = None
    ) -> None:
        self.sip_media_application_id = sip_media_application_id
        self.from_number = from_number
        self._client = boto3_client

    @property
    def client(self) -> ChimeSDKVoiceClient:
        if self._client is None:
            import boto3

            self._client = boto3.client("chime-sdk-voice", config=CLIENT_CONFIG)
        return self._client

    def place_call(self, call_id: str, from_room_phone: str, to: str, digits: str | None) -> str:
        """Ring `from_room_phone`, then bridge it to `to`; returns the provider's TransactionId."""
        arguments = {"CallId": call_id, "BridgeTo": to}
        if digits:
            arguments["Digits"] = digits
        try:
            response = self.client.create_sip_media_application_call(
                FromPhoneNumber=self.from_number,
                ToPhoneNumber=from_room_phone,
                SipMediaApplicationId=self.sip_media_application_id,
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
        except BotoCoreError as error:
            logger.warning("call not placed", extra={"call_id": call_id, "error_code": type(error).__name__})
            raise DialerError("unreachable", retryable=True) from None
        transaction_id = response["SipMediaApplicationCall"]["TransactionId"]
        logger.info("call placed", extra={"call_id": call_id, "transaction_id": transaction_id})
        return transaction_id
