"""The usage use case on in-memory doubles: folding stream records, tailing the stream, and the report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fakes import InMemoryFleetStore, InMemoryUsage, RecordedStream

from skill.domain.errors import NotFoundError
from skill.domain.model import Fleet, Room, Site
from skill.services.usage import UsageService

FLEET = Fleet(
    sites=(Site(id="tokyo", timezone="Asia/Tokyo"), Site(id="nyc", timezone="America/New_York")),
    rooms=(
        Room("fuji", "Fuji", site="tokyo"),
        Room("hudson", "Hudson", site="nyc"),
        Room("lobby", "Lobby", site="tokyo", bookable=False),
    ),
)
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def record(event: str, new: dict[str, Any] | None, old: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"eventName": event, "dynamodb": {"NewImage": new, "OldImage": old}}


BOOKING = {"PK": "ROOMDAY#fuji#2026-12-01", "SK": "BOOKING#2026-12-01T00:00:00Z#b1", "id": "b1", "room_id": "fuji",
           "start": "2026-12-01T00:00:00Z", "end": "2026-12-01T01:00:00Z", "status": "booked"}  # fmt: skip


@pytest.fixture
def usage() -> InMemoryUsage:
    return InMemoryUsage()


@pytest.fixture
def service(usage: InMemoryUsage) -> UsageService:
    return UsageService(InMemoryFleetStore.of(FLEET), usage, changes=RecordedStream())


def test_a_record_folded_twice_counts_once(service: UsageService) -> None:
    # Given a booking's insert folded, then the same record again
    assert service.fold_record(record("INSERT", BOOKING)) == 1
    service.fold_record(record("INSERT", BOOKING))
    # Then the report counts one booking of one hour
    fuji = service.report("tokyo", "2026-12-01", "2026-12-02", NOW).data["rooms"][0]
    assert (fuji["room"], fuji["bookings"], fuji["booked_hours"], fuji["utilisation"]) == ("fuji", 1, 1.0, 0.1)


def test_a_cancelled_booking_is_no_booking(service: UsageService) -> None:
    service.fold_record(record("INSERT", BOOKING))
    service.fold_record(record("MODIFY", {**BOOKING, "status": "cancelled"}, BOOKING))
    fuji = service.report("tokyo", "2026-12-01", "2026-12-02", NOW).data["rooms"][0]
    assert (fuji["bookings"], fuji["booked_hours"], fuji["utilisation"]) == (0, 0.0, 0.0)


def test_the_outbox_loop_folds_only_what_it_has_not_read(service: UsageService, usage: InMemoryUsage) -> None:
    assert isinstance(service.changes, RecordedStream)
    service.changes.records.append(record("INSERT", BOOKING))
    assert service.fold_pending() == 1
    assert service.fold_pending() == 0
    assert usage.writes == 3  # the room's day, its brief filed in the site's day, then recorded on the room's


def test_a_report_of_one_site_holds_its_bookable_rooms_and_of_all_every_sites(service: UsageService) -> None:
    assert [r["room"] for r in service.report("tokyo", None, None, NOW).data["rooms"]] == ["fuji"]
    assert [r["room"] for r in service.report(None, None, None, NOW).data["rooms"]] == ["fuji", "hudson"]
    # The default range is the last 7 days of the first site's calendar (21:00 in Tokyo on 1 December)
    report = service.report(None, None, None, NOW).data
    assert (report["from"], report["to"]) == ("2026-11-25", "2026-12-02")


def test_a_site_the_fleet_does_not_hold_is_refused(service: UsageService, usage: InMemoryUsage) -> None:
    with pytest.raises(NotFoundError):
        service.report("osaka", None, None, NOW)
    assert usage.writes == 0
