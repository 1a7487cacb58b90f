"""Facilities use cases: a room problem reported by voice, the problems list, resolving one.

A report writes one problem item and returns, counted against the device's hourly limit in the same write;
the site's facilities contacts are told afterwards, off the voice path, by the notification pipeline
(`skill.services.notifications`: the DynamoDB Stream notifier in AWS, the outbox loop locally). The problem
holds the room and the site, never who reported it.

Logs carry ids only: never the problem's text, which may name people.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from skill.domain.errors import NotFoundError
from skill.domain.facilities import Problem, clean_problem, problem_id
from skill.domain.limits import problem_quota
from skill.observability import count, logger
from skill.services.limits import refused

if TYPE_CHECKING:
    from datetime import datetime

    from skill.domain.model import Caller, Room
    from skill.ports import FleetStore, ProblemStore


class EmptyProblemError(ValueError):
    """Nothing is left of what was said once control characters and blanks are dropped."""


@dataclass(frozen=True)
class ProblemService:
    """The facilities use cases, on the fleet (the limits) and the problems store."""

    fleet: FleetStore
    problems: ProblemStore

    def report(self, caller: Caller, room: Room, said: str, now: datetime, request_id: str) -> Problem:
        """Store the problem `said` about `room`, once per request (a retried request gets the problem it
        stored). EmptyProblemError when nothing is left of `said`; LimitReached, writing nothing, when the device
        has reported as many problems as it may this hour."""
        text = clean_problem(said)
        if not text:
            raise EmptyProblemError("no problem was said")
        problem = Problem(
            id=problem_id(request_id),
            room=room.id,
            site=room.site_id,
            problem=text,
            reported_at=now,
            request_id=request_id,
        )
        quota = problem_quota(caller, self.fleet.limits(), now)
        with refused():
            stored = self.problems.add(problem, quota)
        if stored.reported_at != problem.reported_at:  # a retry of the request found the problem it stored
            logger.info("problem already reported", extra={"problem": stored.id})
            return stored
        count("ProblemReported")
        logger.info("problem reported", extra={"problem": stored.id, "room": stored.room, "site": stored.site})
        return stored

    def list_problems(self, *, open_only: bool = False, site: str | None = None) -> list[Problem]:
        return self.problems.list_problems(open_only=open_only, site=site)

    def resolve(self, problem_id: str, now: datetime) -> tuple[Problem, bool]:
        """Mark a problem resolved; the problem as it now is, and whether this call resolved it (False: it was
        resolved already). NotFoundError for an id no problem has."""
        problem = self.problems.get(problem_id)
        if problem is None:
            raise NotFoundError("problem", problem_id)
        if problem.status == "resolved":
            return problem, False
        if not self.problems.resolve(problem, now):  # resolved (or erased) since it was read
            return self.problems.get(problem_id) or problem, False
        logger.info("problem resolved", extra={"problem": problem.id})
        return replace(problem, status="resolved", resolved_at=now), True
