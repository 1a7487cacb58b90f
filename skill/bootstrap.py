"""The one place that builds boto3 clients and wires adapters into the use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from skill.config import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from skill.adapters.dynamodb.bookings import DynamoBookingStore
    from skill.adapters.dynamodb.calls import DynamoCallLog
    from skill.adapters.dynamodb.feeds import DynamoFeedStore
    from skill.adapters.dynamodb.fleet import DynamoFleetStore
    from skill.adapters.dynamodb.table import Table
    from skill.adapters.dynamodb.visits import DynamoVisitStore
    from skill.adapters.notify import ChannelSender
    from skill.domain.egress import EgressPolicy
    from skill.ports import Dialer


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Container:
    """Adapters built lazily, once per process (a warm Lambda container keeps them)."""

    settings: Settings
    dynamodb_client: DynamoDBClient | None = None
    clock: SystemClock = field(default_factory=SystemClock)

    @cached_property
    def table(self) -> Table:
        from skill.adapters.dynamodb.table import Table, make_client

        return Table(self.dynamodb_client or make_client(self.settings.region), self.settings.table)

    @cached_property
    def egress(self) -> EgressPolicy:
        """What feed fetches and webhooks may reach: loopback and files only beside a table on loopback."""
        from skill.adapters.egress import policy_for

        return policy_for(
            self.table.client.meta.endpoint_url,
            allow_loopback_urls=self.settings.allow_loopback_urls,
            in_lambda=self.settings.in_lambda,
        )

    @cached_property
    def fleet(self) -> DynamoFleetStore:
        from skill.adapters.dynamodb.fleet import DynamoFleetStore

        return DynamoFleetStore(self.table, cache_ttl=self.settings.cache_ttl_seconds)

    @cached_property
    def bookings(self) -> DynamoBookingStore:
        from skill.adapters.dynamodb.bookings import DynamoBookingStore

        return DynamoBookingStore(self.table)

    @cached_property
    def feeds(self) -> DynamoFeedStore:
        from skill.adapters.dynamodb.feeds import DynamoFeedStore

        return DynamoFeedStore(self.table)

    @cached_property
    def calls(self) -> DynamoCallLog:
        from skill.adapters.dynamodb.calls import DynamoCallLog

        return DynamoCallLog(self.table)

    @property
    def dialer_provider(self) -> str:
        """The telephony provider: "chime" when settings name a SIP media application, else "local"."""
        return "chime" if self.settings.sma_id_parameter and self.settings.from_number_parameter else "local"

    @cached_property
    def dialer(self) -> Dialer:
        """The Chime SDK dialer, its ids read from SSM on first use; the local dialer otherwise."""
        if self.dialer_provider == "local":
            from skill.adapters.local_dialer import LocalDialer

            return LocalDialer()
        import boto3
        from botocore.config import Config

        from skill.adapters.chime_dialer import ChimeDialer

        names = [self.settings.sma_id_parameter or "", self.settings.from_number_parameter or ""]
        ssm = boto3.client(
            "ssm",
            region_name=self.settings.region,
            config=Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=3),
        )
        found = {p["Name"]: p["Value"] for p in ssm.get_parameters(Names=names, WithDecryption=True)["Parameters"]}
        missing = [name for name in names if name not in found]
        if missing:
            raise LookupError(f"SSM parameters not found: {', '.join(missing)}")
        return ChimeDialer(found[names[0]], found[names[1]])

    @cached_property
    def visits(self) -> DynamoVisitStore:
        from skill.adapters.dynamodb.visits import DynamoVisitStore

        return DynamoVisitStore(self.table)

    @cached_property
    def senders(self) -> dict[str, ChannelSender]:
        """Host-notification channels; email only when a sender address is configured."""
        from skill.adapters.notify import SesEmailSender, SnsSmsSender, WebhookSender
        from skill.adapters.parameters import ParameterAddressSender, SsmParameters
        from skill.observability import logger

        senders: dict[str, ChannelSender] = {
            "sms": SnsSmsSender(),
            "webhook": ParameterAddressSender(WebhookSender(egress=self.egress), SsmParameters()),
        }
        if self.settings.sender_email:
            senders["email"] = SesEmailSender(self.settings.sender_email)
        else:
            logger.warning("no sender address (OFFICE_SENDER_EMAIL): email notifications are skipped")
        return senders


def build(settings: Settings | None = None, dynamodb_client: DynamoDBClient | None = None) -> Container:
    return Container(settings or Settings.from_env(), dynamodb_client)
