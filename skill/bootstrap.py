"""The one place that knows both the adapters and the use cases.

`Container` builds the adapters lazily, once per process (a warm Lambda container keeps them), with AWS
clients of the kind its entry point needs (`skill.adapters.aws`). `Services` hands each use case the ports
it uses; the entry points (the Lambda handlers, the skill's handlers, `office-admin`, the local runtime)
hold a `Services` and never reach an adapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING

from skill.config import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from skill.adapters.aws import Kind
    from skill.adapters.dynamodb.bookings import DynamoBookingStore
    from skill.adapters.dynamodb.calls import DynamoCallLog
    from skill.adapters.dynamodb.feeds import DynamoFeedStore
    from skill.adapters.dynamodb.fleet import DynamoFleetStore
    from skill.adapters.dynamodb.problems import DynamoProblemStore
    from skill.adapters.dynamodb.stream import StreamTail
    from skill.adapters.dynamodb.table import Table
    from skill.adapters.dynamodb.usage import DynamoUsageStore
    from skill.adapters.dynamodb.visits import DynamoVisitStore
    from skill.adapters.parameters import SsmParameters
    from skill.domain.egress import EgressPolicy
    from skill.ports import ChannelSender, Clock, ContactsFile, Dialer, Erasable
    from skill.services.calendars import CalendarService
    from skill.services.calling import CallingService
    from skill.services.facilities import ProblemService
    from skill.services.fleet import FleetService
    from skill.services.identity import IdentityService
    from skill.services.notifications import NotificationService
    from skill.services.reception import ReceptionService
    from skill.services.rooms import RoomService
    from skill.services.sma import CallFlow
    from skill.services.usage import UsageService


# How long a send waits for its provider's pace before it is left for a later run (notifications, off the voice
# path), and a call before the caller hears that the line is busy (on the voice path).
SEND_MAX_WAIT_SECONDS = 5.0
DIAL_MAX_WAIT_SECONDS = 1.0


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Container:
    """Adapters built lazily, once per process. `kind` sets the DynamoDB client's retries and timeouts."""

    settings: Settings
    dynamodb_client: DynamoDBClient | None = None
    kind: Kind = "voice"
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def table(self) -> Table:
        from skill.adapters import aws
        from skill.adapters.dynamodb.table import Table

        client = self.dynamodb_client or aws.client("dynamodb", self.kind, region=self.settings.region)
        return Table(client, self.settings.table)

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

    @cached_property
    def visits(self) -> DynamoVisitStore:
        from skill.adapters.dynamodb.visits import DynamoVisitStore

        return DynamoVisitStore(self.table)

    @cached_property
    def problems(self) -> DynamoProblemStore:
        from skill.adapters.dynamodb.problems import DynamoProblemStore

        return DynamoProblemStore(self.table)

    @cached_property
    def usage(self) -> DynamoUsageStore:
        from skill.adapters.dynamodb.usage import DynamoUsageStore

        return DynamoUsageStore(self.table)

    @cached_property
    def stream_tail(self) -> StreamTail:
        """The table's stream read from its start, for the local runtime (a Lambda event source reads it in AWS)."""
        from skill.adapters.dynamodb.stream import StreamTail

        return StreamTail(self.table)

    @cached_property
    def parameters(self) -> SsmParameters:
        from skill.adapters.parameters import SsmParameters

        return SsmParameters()

    @property
    def dialer_provider(self) -> str:
        """The telephony provider: "chime" when settings name a SIP media application, else "local"."""
        return "chime" if self.settings.sma_id_parameter and self.settings.from_number_parameter else "local"

    @cached_property
    def dialer(self) -> Dialer:
        """The Chime SDK dialer (its ids read from SSM on the first call) at the telephony API's calls per second,
        or the local dialer."""
        if self.dialer_provider == "local":
            from skill.adapters.local_dialer import LocalDialer

            return LocalDialer()
        from skill.adapters.chime_dialer import ChimeDialer
        from skill.adapters.pacing import PacedDialer, bucket

        chime = ChimeDialer(
            self.parameters, self.settings.sma_id_parameter or "", self.settings.from_number_parameter or ""
        )
        return PacedDialer(chime, bucket("telephony", self.settings.calls_per_second), DIAL_MAX_WAIT_SECONDS)

    @cached_property
    def senders(self) -> dict[str, ChannelSender]:
        """Host-notification channels, email and SMS at their providers' rates; email only when a sender address
        is configured."""
        from skill.adapters.notify import SesEmailSender, SnsSmsSender, WebhookSender
        from skill.adapters.pacing import PacedSender, bucket
        from skill.adapters.parameters import ParameterAddressSender
        from skill.observability import logger

        sms = bucket("sns-sms", self.settings.sms_per_second)
        senders: dict[str, ChannelSender] = {
            "sms": PacedSender(SnsSmsSender(), sms, SEND_MAX_WAIT_SECONDS),
            "webhook": ParameterAddressSender(WebhookSender(egress=self.egress), self.parameters),
        }
        if self.settings.sender_email:
            email = bucket("ses", self.settings.email_per_second)
            senders["email"] = PacedSender(SesEmailSender(self.settings.sender_email), email, SEND_MAX_WAIT_SECONDS)
        else:
            logger.warning("no sender address (OFFICE_SENDER_EMAIL): email notifications are skipped")
        return senders


class Services:
    """Every use case, bound to its ports once and built on first use."""

    def __init__(self, container: Container) -> None:
        self._container = container

    @property
    def settings(self) -> Settings:
        return self._container.settings

    def now(self) -> datetime:
        """The time by the container's clock (a test may set it)."""
        return self._container.clock.now()

    @property
    def egress(self) -> EgressPolicy:
        """What feed and webhook URLs may reach, for the entry points that read a fleet file."""
        return self._container.egress

    @cached_property
    def rooms(self) -> RoomService:
        from skill.services.rooms import RoomService

        c = self._container
        stale_after = timedelta(minutes=self.settings.feed_stale_minutes)
        return RoomService(c.bookings, c.feeds, c.fleet, stale_after=stale_after)

    @cached_property
    def calling(self) -> CallingService:
        from skill.services.calling import CallingService

        c = self._container
        return CallingService(c.fleet, c.calls, c.dialer, provider=c.dialer_provider, bookings=c.bookings)

    @cached_property
    def call_flow(self) -> CallFlow:
        from skill.services.sma import CallFlow

        return CallFlow(self._container.calls, clock=self)

    @cached_property
    def reception(self) -> ReceptionService:
        from skill.services.reception import ReceptionService

        return ReceptionService(self._container.fleet, self._container.visits)

    @cached_property
    def notifications(self) -> NotificationService:
        from skill.services.notifications import NotificationService

        c = self._container
        return NotificationService(c.fleet, c.visits, c.senders, clock=self, problems=c.problems)

    @cached_property
    def facilities(self) -> ProblemService:
        from skill.services.facilities import ProblemService

        return ProblemService(self._container.fleet, self._container.problems)

    @cached_property
    def calendars(self) -> CalendarService:
        from skill.adapters.ics_fetch import fetch_feed
        from skill.adapters.ics_parse import parse_feed
        from skill.adapters.ics_publish import publish_bookings
        from skill.services.calendars import CalendarService

        c = self._container
        return CalendarService(
            c.fleet,
            c.bookings,
            c.feeds,
            fetch=partial(fetch_feed, egress=c.egress),
            parse=parse_feed,
            publish=publish_bookings,
            lookahead_days=self.settings.lookahead_days,
        )

    @cached_property
    def usage(self) -> UsageService:
        from skill.services.usage import UsageService

        c = self._container
        return UsageService(c.fleet, c.usage, changes=c.stream_tail)

    @cached_property
    def identity(self) -> IdentityService:
        from skill.services.identity import IdentityService

        return IdentityService(self._container.fleet, claim_ttl=timedelta(minutes=self.settings.claim_ttl_minutes))

    @cached_property
    def fleet(self) -> FleetService:
        from skill.services.fleet import FleetService

        c = self._container
        erasable: dict[str, Erasable] = {"visits": c.visits, "bookings": c.bookings, "calls": c.calls}
        return FleetService(c.fleet, read_contacts=_read_contacts, erasable=erasable)


def _read_contacts(path: Path, country: str) -> ContactsFile:
    """The address-book reader, imported when an import runs (the skill's launch reads the fleet too)."""
    from skill.adapters.contacts_import import read_contacts

    return read_contacts(path, country)


def build(
    settings: Settings | None = None, dynamodb_client: DynamoDBClient | None = None, *, kind: Kind = "voice"
) -> Container:
    return Container(settings or Settings.from_env(), dynamodb_client, kind)


def wire(settings: Settings | None = None, *, kind: Kind = "voice") -> Services:
    """The use cases of one entry point, on adapters built from `settings` (default: the environment)."""
    return Services(build(settings, kind=kind))
