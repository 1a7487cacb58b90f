"""Reporting a room problem, listing and resolving problems, on in-memory fakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fakes import InMemoryFleetStore, InMemoryProblems

from skill.domain.errors import NotFoundError
from skill.domain.limits import LimitReached
from skill.domain.model import Caller, CallerKind, Fleet, Limits, Room, Site, User
from skill.services.facilities import EmptyProblemError, ProblemService

NOW = datetime(2026, 12, 1, 1, 15, tzinfo=UTC)
TOKYO = Site(id="tokyo", name="Tokyo HQ", timezone="Asia/Tokyo")
FUJI = Room("fuji", "Fuji", site="tokyo")
FLEET = Fleet(sites=(TOKYO,), rooms=(FUJI,), limits=Limits(problems_per_device_per_hour=2))
ROOM_DEVICE = Caller(
    CallerKind.SHARED, "amzn1.ask.device.FUJI", room=FUJI, site=TOKYO, person=User("alice", "Alice Tanaka")
)


@pytest.fixture
def store() -> InMemoryProblems:
    return InMemoryProblems()


@pytest.fixture
def service(store: InMemoryProblems) -> ProblemService:
    return ProblemService(InMemoryFleetStore.of(FLEET), store)


def test_a_report_stores_the_room_the_site_the_time_and_nobody(service, store):
    # When a recognised speaker reports a problem from Fuji's device
    problem = service.report(ROOM_DEVICE, FUJI, "the projector is broken", NOW, "amzn1.echo-api.request.1")
    # Then the problem holds the room, the site, the time and the text, open, and nothing about the speaker
    assert store.problems == {problem.id: problem}
    assert (problem.room, problem.site, problem.problem, problem.reported_at, problem.status) == (
        "fuji", "tokyo", "the projector is broken", NOW, "open",
    )  # fmt: skip
    stored = repr(problem)
    assert "alice" not in stored.lower() and "amzn1.ask.device" not in stored
    assert store.status[problem.id] == ("pending", 0)


def test_a_retried_request_stores_one_problem_and_takes_one_unit_of_the_limit(service, store, counted):
    first = service.report(ROOM_DEVICE, FUJI, "the projector is broken", NOW, "req-1")
    again = service.report(ROOM_DEVICE, FUJI, "the projector is broken", NOW + timedelta(seconds=2), "req-1")
    assert again == first and len(store.problems) == 1
    assert sum(store.counters.taken.values()) == 1 and counted("ProblemReported") == 1


def test_the_devices_hourly_limit_refuses_a_report_and_stores_nothing(service, store, counted):
    service.report(ROOM_DEVICE, FUJI, "the screen flickers", NOW, "req-1")
    service.report(ROOM_DEVICE, FUJI, "the chair is broken", NOW, "req-2")
    with pytest.raises(LimitReached) as refused:
        service.report(ROOM_DEVICE, FUJI, "the lights are off", NOW, "req-3")
    assert refused.value.reason == "problems" and len(store.problems) == 2
    assert counted("ProblemLimitReached") == 1
    # And the next hour the device may report again
    service.report(ROOM_DEVICE, FUJI, "the lights are off", NOW + timedelta(hours=1), "req-4")
    assert len(store.problems) == 3


def test_hostile_text_is_stored_cleaned_and_nothing_is_stored_when_nothing_is_left(service, store):
    problem = service.report(ROOM_DEVICE, FUJI, "the\x1b[2J projector\n\u202eis broken\x00", NOW, "req-1")
    assert problem.problem == "the[2J projector is broken"
    with pytest.raises(EmptyProblemError):
        service.report(ROOM_DEVICE, FUJI, " \x00\u200b ", NOW, "req-2")
    assert list(store.problems) == [problem.id]


def test_the_log_names_ids_only_never_the_problem(service, log_lines):
    service.report(ROOM_DEVICE, FUJI, "Ken Sato broke the projector", NOW, "req-1")
    text = str(log_lines())
    assert "problem reported" in text and "Ken" not in text and "projector" not in text


def test_problems_are_listed_oldest_first_open_ones_or_one_sites(service, store):
    older = service.report(ROOM_DEVICE, FUJI, "the projector is broken", NOW, "req-1")
    osaka = replace(FUJI, id="yodo", site="osaka")
    newer = service.report(ROOM_DEVICE, osaka, "no coffee", NOW + timedelta(minutes=5), "req-2")
    service.resolve(older.id, NOW + timedelta(hours=1))
    assert [p.id for p in service.list_problems()] == [older.id, newer.id]
    assert [p.id for p in service.list_problems(open_only=True)] == [newer.id]
    assert [p.id for p in service.list_problems(site="tokyo")] == [older.id]


def test_resolving_marks_it_once_and_an_unknown_id_is_not_found(service):
    problem = service.report(ROOM_DEVICE, FUJI, "the projector is broken", NOW, "req-1")
    later = NOW + timedelta(hours=2)
    resolved, changed = service.resolve(problem.id, later)
    again, changed_again = service.resolve(problem.id, later + timedelta(hours=1))
    assert (resolved.status, resolved.resolved_at, changed) == ("resolved", later, True)
    assert (again.status, again.resolved_at, changed_again) == ("resolved", later, False)
    with pytest.raises(NotFoundError):
        service.resolve("zzzzzzzz", later)
