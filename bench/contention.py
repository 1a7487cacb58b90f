"""Contention: many concurrent bookings of one room and slot through the booking store; exactly one wins."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import office
from bench.stats import ms, percentile


def run(n: int = 50, endpoint: str | None = None, workers: int = 16, table: str | None = None) -> dict[str, Any]:
    """`n` bookings of the same room and quarter hour from a thread pool: throughput, p99, winners; in the
    bench office, or in `table` (which has the bench fleet's room)."""
    if endpoint is None:
        with office.aws() as local:
            return run(n, local, workers)
    from skill.domain.errors import RoomTakenError
    from skill.domain.model import Booking, BookingStatus

    table = table or office.create_office(endpoint)
    container, counter = office.container(endpoint, table)
    start = (datetime.now(UTC) + timedelta(days=2)).replace(hour=1, minute=0, second=0, microsecond=0)

    def book(i: int) -> tuple[str, float]:
        booking = Booking(
            id=f"contender-{i}",
            room_id=office.ROOM,
            start=start,
            end=start + timedelta(minutes=30),
            status=BookingStatus.BOOKED,
            organizer="alice",
            created_at=datetime.now(UTC),
        )
        began = time.perf_counter()
        try:
            container.bookings.add_booking(booking, office.TIMEZONE)
            outcome = "won"
        except RoomTakenError:
            outcome = "taken"
        except Exception as error:  # anything else is a finding, reported by name
            outcome = type(error).__name__
        return outcome, time.perf_counter() - began

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(book, range(n)))
    elapsed = time.perf_counter() - began
    outcomes: dict[str, int] = {}
    for outcome, _ in results:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    latencies = [seconds for _, seconds in results]
    stored = container.bookings.list_bookings(office.ROOM, start, start + timedelta(minutes=30), office.TIMEZONE)
    return {
        "n": n,
        "workers": workers,
        "throughput_per_s": round(n / elapsed, 1),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
        "winners": outcomes.get("won", 0),
        "outcomes": outcomes,
        "stored_bookings": len(stored),
        "exactly_one_winner": outcomes.get("won", 0) == 1 and len(stored) == 1,
        "round_trips": counter.total,
    }
