"""Secrets by name: SSM Parameter Store values, read on first use and kept for the life of the process.

A notification address written as `ssm:/name` (a webhook URL, say) is the name of a SecureString
parameter; `ParameterAddressSender` resolves it just before sending, so the secret never sits in the
table, the fleet file or an environment variable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from skill.adapters.notify import CLIENT_CONFIG, ChannelSender, NotifyError
from skill.domain.reception import Message

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

PREFIX = "ssm:"


class SsmParameters:
    def __init__(self, boto3_client: SSMClient | None = None) -> None:
        self._client = boto3_client
        self._values: dict[str, str] = {}

    @property
    def client(self) -> SSMClient:
        if self._client is None:
            self._client = boto3.client("ssm", config=CLIENT_CONFIG)
        return self._client

    def get(self, name: str) -> str:
        if name not in self._values:
            response = self.client.get_parameter(Name=name, WithDecryption=True)
            self._values[name] = response["Parameter"]["Value"]
        return self._values[name]


class ParameterAddressSender:
    """A ChannelSender whose addresses may be `ssm:/name` parameter names."""

    def __init__(self, inner: ChannelSender, parameters: SsmParameters) -> None:
        self.inner = inner
        self.parameters = parameters

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        if address.startswith(PREFIX):
            try:
                address = self.parameters.get(address[len(PREFIX) :])
            except ClientError as error:
                code = str(error.response.get("Error", {}).get("Code") or "ClientError")
                raise NotifyError(f"parameter_{code}", code != "ParameterNotFound") from None
            except BotoCoreError as error:
                raise NotifyError(f"parameter_{type(error).__name__}", True) from None
        return self.inner.send(address, message, idempotency_key=idempotency_key)
