"""Counters of limited actions on moto's DynamoDB: a unit taken in the action's own write, nothing written
once the counter is spent, and the counter kept by TTL a day past its window."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config

from skill.adapters.dynamodb.counters import counter_key, put_new
from skill.adapters.dynamodb.table import Table
from skill.domain.limits import LimitReached, hourly

NOW = datetime(2026, 12, 1, 10, 20, tzinfo=UTC)


@pytest.fixture
def db(aws_endpoint: str, table: str) -> Table:
    config = Config(max_pool_connections=32, retries={"mode": "standard", "max_attempts": 3})
    return Table(boto3.client("dynamodb", endpoint_url=aws_endpoint, region_name="us-east-1", config=config), table)


def item(n: int) -> dict[str, object]:
    return {"PK": f"THING#{n}", "SK": "META", "n": n}


def test_each_write_takes_a_unit_and_one_beyond_the_limit_writes_nothing(db: Table) -> None:
    # Given a counter of three an hour
    quota = hourly("calls", "device:amzn1.ask.device.ROOM", 3, NOW)

    # When four items are written under it
    written = [put_new(db, item(n), quota) for n in range(3)]
    with pytest.raises(LimitReached) as spent:
        put_new(db, item(3), quota)

    # Then three are stored and counted, the fourth is not stored, and the counter expires a day after its hour
    assert written == [None, None, None] and spent.value.reason == "calls"
    assert [db.get(f"THING#{n}", "META") is not None for n in range(4)] == [True, True, True, False]
    counter = db.get(*counter_key(quota), consistent=True)
    assert counter is not None and counter["n"] == 3
    assert counter["expires_at"] == int(datetime(2026, 12, 2, 11, tzinfo=UTC).timestamp())


def test_an_item_already_stored_is_given_back_and_takes_no_unit(db: Table) -> None:
    # Given an item written under a counter of one
    quota = hourly("checkins", "device:amzn1.ask.device.LOBBY", 1, NOW)
    put_new(db, item(1), quota)

    # When the same key is written again (the counter now spent)
    stored = put_new(db, {**item(1), "n": 99}, quota)

    # Then the stored item comes back unchanged: the caller decides whether it was its own write
    assert stored == item(1)
    assert db.get(*counter_key(quota), consistent=True)["n"] == 1  # type: ignore[index]


def test_the_next_window_has_a_counter_of_its_own(db: Table) -> None:
    quota = hourly("calls", "device:d", 1, NOW)
    put_new(db, item(1), quota)
    assert put_new(db, item(2), hourly("calls", "device:d", 1, NOW + timedelta(hours=1))) is None


def test_writes_racing_for_the_last_units_never_exceed_the_limit(db: Table) -> None:
    # Given a counter of five, and twenty writes under it at once
    quota = hourly("bookings", "user:alice", 5, NOW)

    def write(n: int) -> bool:
        try:
            put_new(db, item(n), quota)
        except LimitReached:
            return False
        return True

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(write, range(20)))

    # Then exactly five went through, and exactly those are stored
    stored = [n for n in range(20) if db.get(f"THING#{n}", "META") is not None]
    assert outcomes.count(True) == 5 and stored == [n for n, ok in enumerate(outcomes) if ok]
    assert db.get(*counter_key(quota), consistent=True)["n"] == 5  # type: ignore[index]
