"""Room and site usage: stored facts folded into per-day usage items, and the facilities report read from them.

Run off the voice path: in AWS by the usage function on the table's stream, locally by the outbox loop, which
tails the embedded server's stream. Folding is idempotent per record (skill/domain/usage.py), so retried and
bisected batches, and the inserts a restored local store replays, count nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from skill.domain.errors import NotFoundError
from skill.domain.model import Site
from skill.domain.usage import Report, build_report, days_between, fold_change, report_range, usage_changes
from skill.observability import logger

if TYPE_CHECKING:
    from skill.ports import ChangeFeed, FleetStore, UsageStore


@dataclass(frozen=True)
class _FleetSites:
    """Where facts belong, read by key through the fleet store (cached)."""

    fleet: FleetStore

    def site_of_room(self, room_id: str) -> Site | None:
        site, room = self.fleet.site_and_room(room_id)
        return site if room is not None else None

    def site(self, site_id: str) -> Site | None:
        return self.fleet.get_site(site_id)


@dataclass(frozen=True)
class UsageService:
    """Folding facts into usage items, and the report, on the fleet and the usage store; locally, the stream's
    tail (`changes`)."""

    fleet: FleetStore
    usage: UsageStore
    changes: ChangeFeed | None = None

    def fold_record(self, record: Mapping[str, Any]) -> int:
        """One stream record folded into the usage items; how many items it changed."""
        event, old, new = self.usage.stream_images(record)
        sites = _FleetSites(self.fleet)
        changes = usage_changes(event, old, new, sites)
        for change in changes:
            fold_change(self.usage.apply, change, sites)
        return len(changes)

    def fold_pending(self) -> int:
        """The records the stream holds beyond those already read, folded in order (the local outbox loop)."""
        if self.changes is None:
            return 0
        folded = 0
        for record in self.changes.read():
            folded += self.fold_record(record)
        if folded:
            logger.debug("usage folded", extra={"changes": folded})
        return folded

    def report(self, site_id: str | None, first: str | None, end: str | None, now: datetime) -> Report:
        """The facilities report (`.data` is the contract's `report --json`) of one site or all, over the local days
        [first, end) given as YYYY-MM-DD (by default the last 7 days, today included, in the first site's zone).
        ReportRangeError for dates that make no range, NotFoundError for a site the fleet does not hold."""
        fleet = self.fleet.load_fleet()
        sites = list(fleet.every_site)
        if site_id is not None:
            sites = [site for site in sites if site.id == site_id]
            if not sites:
                raise NotFoundError("site", site_id)
        today = now.astimezone(ZoneInfo(sites[0].timezone)).date()
        start, stop = report_range(first, end, today)
        chosen = {site.id for site in sites}
        rooms = [room for room in fleet.rooms if room.site_id in chosen and room.bookable]
        dates = days_between(start, stop)
        room_days, site_days = self.usage.usage([site.id for site in sites], dates)
        since = datetime.combine(start, datetime.min.time(), UTC) - timedelta(days=1)
        problems = self.usage.problems(chosen, since.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return build_report(start, stop, sites, rooms, room_days, site_days, problems)
