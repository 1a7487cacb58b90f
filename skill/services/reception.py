"""Reception use cases: check a visitor in and out, expect one, close the day, the visitor log.

Check-in writes one visit and returns, counted against the lobby device's hourly limit in the same write;
telling the host happens afterwards, off the voice path (`skill.services.notifications`, run by the DynamoDB
Stream notifier in AWS and by the outbox loop locally). Check-out goes only by a visitor's whole name
(`named_in_full`), and the lobby says back only what the speaker said.

Logs carry ids and statuses only: never a visitor's or a host's name.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from datetime import time as clock_time
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from skill.domain.directory import DirectoryEntry, MatchResult, filed_under, match_names
from skill.domain.limits import checkin_quota
from skill.domain.model import Caller, Site, User
from skill.domain.reception import (
    ExpectedVisit,
    NotificationRecord,
    Visit,
    checkout_due,
    match_expected,
    named_in_full,
    visit_expires_at,
)
from skill.observability import count, logger
from skill.services.limits import refused

if TYPE_CHECKING:
    from skill.ports import FleetStore, VisitStore

CheckInStatus = Literal["checked_in", "ambiguous", "no_match"]
# "found": the whole name of a visitor on site was said (ask before checking out); "unclear": anything else.
CheckOutStatus = Literal["found", "checked_out", "need_name", "unclear"]


@dataclass(frozen=True)
class CheckInOutcome:
    status: CheckInStatus
    visit: Visit | None = None
    host: DirectoryEntry | None = None
    expected: ExpectedVisit | None = None
    candidates: tuple[DirectoryEntry, ...] = ()  # at most two, when the host was not clear


@dataclass(frozen=True)
class CheckOutOutcome:
    status: CheckOutStatus
    visit: Visit | None = None


def employee_directory(users: Sequence[User]) -> list[DirectoryEntry]:
    return [DirectoryEntry(u.id, u.name, u.aliases, kind="employee", reading=u.reading) for u in users]


def find_host(host_query: str, directory: Sequence[DirectoryEntry]) -> MatchResult:
    """The employee the visitor named: one, two close candidates, or none. Contacts never match."""
    return match_names(host_query, [e for e in directory if e.kind == "employee"], limit=2)


@dataclass(frozen=True)
class ReceptionService:
    """The reception use cases, on the fleet (the employees a visitor may see) and the visits store."""

    fleet: FleetStore
    visits: VisitStore

    def hosts(self, host_query: str, known: Iterable[str] = ()) -> list[DirectoryEntry]:
        """The employees (of the whole company) a visitor may mean: those filed under the name keys of what
        they said (one BatchGetItem, whatever the size of the directory), and the `known` ones already
        offered or chosen in this dialog, read by id."""
        found = [
            replace(entry, id=entry.id.partition(":")[2])
            for entry in filed_under(host_query, self.fleet.directory)
            if entry.kind == "employee"
        ]
        ids = {entry.id for entry in found}
        others = [
            user
            for user_id in dict.fromkeys(known)
            if user_id and user_id not in ids
            if (user := self.fleet.get_user(user_id))
        ]
        return found + employee_directory(others)

    def check_in(
        self,
        caller: Caller,
        visitor_name: str,
        host_query: str,
        company: str | None,
        now: datetime,
        request_id: str | None,
        *,
        host_id: str | None = None,
    ) -> CheckInOutcome:
        """Check a visitor in to see the employee `host_query` names (or `host_id`, already chosen).

        Writes one visit item when the host is clear; otherwise writes nothing and says why. LimitReached, writing
        nothing, when the device has checked in as many visitors as it may this hour.
        """
        host = self.fleet.get_user(host_id) if host_id else None
        chosen = employee_directory([host])[0] if host else None
        if chosen is None:
            found = find_host(host_query, self.hosts(host_query))
            if found.is_ambiguous:
                return CheckInOutcome("ambiguous", candidates=found.candidates[:2])
            if found.match is None:
                return CheckInOutcome("no_match")
            chosen = found.match
        site = caller.site
        local_now = now.astimezone(ZoneInfo(site.timezone))
        announced = match_expected(visitor_name, chosen.id, self.visits.expected_on(local_now.date()), local_now)
        visit = Visit(
            id=uuid.uuid4().hex[:16],
            visitor_name=visitor_name.strip(),
            company=(company or "").strip() or (announced.company if announced else None),
            host_id=chosen.id,
            checked_in_at=now,
            expected_id=announced.id if announced else None,
            request_id=request_id,
            device=caller.device_id,
            site=site.id,
        )
        quota = checkin_quota(caller, self.fleet.limits(), now)
        with refused():
            self.visits.add_visit(visit, site.timezone, visit_expires_at(now, site.retention_days), quota)
        count("VisitorCheckedIn")
        logger.info("visitor checked in", extra={"visit": visit.id, "expected": announced is not None})
        return CheckInOutcome("checked_in", visit=visit, host=chosen, expected=announced)

    def leaving(self, name: str | None, site: str | None = None) -> CheckOutOutcome:
        """Who "check out `name`" is: the visitor on site (at `site`, when given) whose whole name was said
        ("found"), nobody said ("need_name"), or "unclear" for anything else (part of a name, a name nobody on
        site has, two visitors it fits equally), which never tells whether a visitor by part of that name is on
        site."""
        if not name or not name.strip():
            return CheckOutOutcome("need_name")
        visit = named_in_full(name, self.on_site(site))
        return CheckOutOutcome("unclear") if visit is None else CheckOutOutcome("found", visit)

    def check_out(self, name: str | None, caller: Caller, now: datetime) -> CheckOutOutcome:
        """Check out the visitor on site at the caller's site whose whole name `name` is (see `leaving`), once
        they confirmed it."""
        found = self.leaving(name, caller.site.id)
        visit = found.visit
        if visit is None:
            return found
        if not self.visits.check_out(visit, caller.site.timezone, now):
            return CheckOutOutcome("unclear")
        logger.info("visitor checked out", extra={"visit": visit.id})
        return CheckOutOutcome("checked_out", replace(visit, checked_out_at=now))

    def auto_check_out(self, now: datetime) -> int:
        """Check out everyone still on site after their site's end of day, in the site's zone; returns how
        many. A visit of a site no longer in the fleet goes by the fleet's first site."""
        sites = self.fleet.sites() or [Site()]
        by_id = {site.id: site for site in sites}
        visiting: dict[str, list[Visit]] = {}
        for visit in self.visits.on_site():
            visiting.setdefault(visit.site if visit.site in by_id else sites[0].id, []).append(visit)
        done = 0
        for site_id, visits in visiting.items():
            site = by_id[site_id]
            hour, minute = (int(part) for part in site.end_of_day.split(":"))
            due = checkout_due(visits, clock_time(hour, minute), site.timezone, now)
            done += sum(1 for visit in due if self.visits.check_out(visit, site.timezone, now))
        if done:
            logger.info("visitors checked out at end of day", extra={"count": done})
        return done

    def expect(self, user: User, name: str, company: str | None, at: datetime, site: Site) -> ExpectedVisit:
        """Announce a visitor for `user`, so reception greets them by name when they check in."""
        if at.tzinfo is None:
            raise ValueError("the expected time must be timezone-aware")
        expected = ExpectedVisit(uuid.uuid4().hex[:16], name.strip(), (company or "").strip() or None, user.id, at)
        self.visits.add_expected(expected, site.timezone, visit_expires_at(at, site.retention_days))
        logger.info("visitor expected", extra={"expected": expected.id})
        return expected

    # --- the visitor log --------------------------------------------------------------------------

    def on_site(self, site: str | None = None) -> list[Visit]:
        """Everyone on site now (the evacuation list), at one site or at all."""
        return [v for v in self.visits.on_site() if site is None or v.site == site]

    def visits_on(self, day: date, site: str | None = None) -> list[Visit]:
        """The visits of a local day (each in its site's zone), at one site or at all."""
        return [v for v in self.visits.visits_on(day) if site is None or v.site == site]

    def notifications(self, site: str | None = None) -> list[NotificationRecord]:
        return [n for n in self.visits.notifications() if site is None or n.site == site]

    def forget_visitor(self, name: str) -> int:
        return self.visits.forget_visitor(name)
