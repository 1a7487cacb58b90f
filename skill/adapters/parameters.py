"""Secrets by name: SSM Parameter Store values, read on first use and kept for the life of the process.

The one reader of SSM: the Chime dialer's SIP media application id and calling number, and notification
addresses written as `ssm:/name` (a webhook URL, say), which `ParameterAddressSender` resolves just before
sending, so the secret never sits in the table, the fleet file or an environment variable.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from skill.adapters import aws
from skill.domain.reception import Message, NotifyError

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

    from skill.ports import ChannelSender

PREFIX = "ssm:"


class ParameterNotFound(LookupError):
    """A parameter name that SSM does not hold."""


class SsmParameters:
    def __init__(self, boto3_client: SSMClient | None = None) -> None:
        self._client = boto3_client
        self._values: dict[str, str] = {}

    @cached_property
    def client(self) -> SSMClient:
        return self._client or aws.client("ssm", "parameters")

    def get(self, name: str) -> str:
        """The decrypted value of `name`; ParameterNotFound when there is none."""
        return self.get_many([name])[name]

    def get_many(self, names: Sequence[str]) -> dict[str, str]:
        """The decrypted values of `names`, those not read before in one GetParameters round trip."""
        wanted = [name for name in dict.fromkeys(names) if name not in self._values]
        if wanted:
            response = self.client.get_parameters(Names=wanted, WithDecryption=True)
            self._values.update({p["Name"]: p["Value"] for p in response["Parameters"]})
            missing = [name for name in wanted if name not in self._values]
            if missing:
                raise ParameterNotFound(", ".join(missing))
        return {name: self._values[name] for name in names}


class ParameterAddressSender:
    """A ChannelSender whose addresses may be `ssm:/name` parameter names."""

    def __init__(self, inner: ChannelSender, parameters: SsmParameters) -> None:
        self.inner = inner
        self.parameters = parameters

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        if address.startswith(PREFIX):
            try:
                address = self.parameters.get(address[len(PREFIX) :])
            except ParameterNotFound:
                raise NotifyError("parameter_ParameterNotFound", False) from None
            except ClientError as error:
                code = str(error.response.get("Error", {}).get("Code") or "ClientError")
                raise NotifyError(f"parameter_{code}", True) from None
            except BotoCoreError as error:
                raise NotifyError(f"parameter_{type(error).__name__}", True) from None
        return self.inner.send(address, message, idempotency_key=idempotency_key)
