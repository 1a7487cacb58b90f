"""Domain errors: each is an answer the skill or the CLI gives, not a crash."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


class ReasonError(DomainError):
    """A domain error with a `reason`: a short, stable key, safe to log, to store and to turn into speech."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFoundError(DomainError):
    """A room, device, user or other entity that is not in the fleet."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"unknown {kind} {key!r}")
        self.kind = kind
        self.key = key


class FleetValidationError(DomainError):
    """A fleet file (or a single admin change) that does not hold together.

    `problems` lists `path: message` strings, one per bad field.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ImportProblems(DomainError):
    """An address book that cannot be imported; `problems` name each line ("line 4: no name")."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class ClaimError(DomainError):
    """An enrolment code that is unknown or expired."""


class BookingRuleError(ReasonError):
    """A requested booking that breaks a room rule; `reason` is a stable key for speech."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.details = details


class RoomTakenError(DomainError):
    """The requested time, from `requested_start`, overlaps a booking or calendar event from `busy_from` on;
    the room is free until then when that is after the requested start."""

    def __init__(self, room_id: str, busy_from: datetime, requested_start: datetime) -> None:
        super().__init__(f"room {room_id} is taken")
        self.room_id = room_id
        self.busy_from = busy_from
        self.free_until = busy_from if busy_from > requested_start else None
