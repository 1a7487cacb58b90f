"""The one place that builds boto3 clients and wires adapters into the use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from skill.config import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from skill.adapters.dynamodb.fleet import DynamoFleetStore
    from skill.adapters.dynamodb.table import Table


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
    def fleet(self) -> DynamoFleetStore:
        from skill.adapters.dynamodb.fleet import DynamoFleetStore

        return DynamoFleetStore(self.table, cache_ttl=self.settings.cache_ttl_seconds)


def build(settings: Settings | None = None, dynamodb_client: DynamoDBClient | None = None) -> Container:
    return Container(settings or Settings.from_env(), dynamodb_client)
