"""Keeping to what a provider accepts per second: SES's sending rate, SNS's SMS throughput, the telephony API's
calls per second.

One token bucket per provider is shared by every sender of the process (`bucket`). A send waits for its token,
up to `max_wait`; one that would wait longer is refused before anything goes out: `Throttled` for a
notification (the delivery policy leaves it for a later run), a throttled `DialerError` for a call (the caller
hears that the line is busy). Nothing is sent twice: a refused send was never sent.

The bucket is a reservation (the generic cell rate algorithm): each acquirer takes the next free slot under
the lock and sleeps until it outside it, so waiting threads are served in order and never all wake together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from skill.domain.dialing import DialerError
from skill.domain.reception import Throttled

if TYPE_CHECKING:
    from skill.domain.reception import Message
    from skill.ports import ChannelSender, Dialer

_BUCKETS: dict[str, TokenBucket] = {}
_BUCKETS_LOCK = threading.Lock()


class TokenBucket:
    """`rate` sends a second on average, `burst` of them at once after a quiet spell."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a bucket needs a positive rate and a burst of at least one")
        self.rate = rate
        self._interval = 1.0 / rate
        self._slack = (burst - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._next = clock()  # when the next send is due at the average rate (its burst may go earlier)
        self._lock = threading.Lock()

    def acquire(self, max_wait: float) -> bool:
        """Wait for a token, at most `max_wait` seconds; False (taking nothing) when it would take longer."""
        with self._lock:
            now = self._clock()
            due = max(self._next, now)
            wait = max(0.0, due - self._slack - now)
            if wait > max_wait:
                return False
            self._next = due + self._interval
        if wait > 0:
            self._sleep(wait)
        return True


def bucket(name: str, rate: float) -> TokenBucket:
    """The process's bucket for provider `name` (made at `rate` by its first user)."""
    with _BUCKETS_LOCK:
        if name not in _BUCKETS:
            _BUCKETS[name] = TokenBucket(rate)
        return _BUCKETS[name]


class PacedSender:
    """A ChannelSender that sends no faster than its bucket allows."""

    def __init__(self, sender: ChannelSender, tokens: TokenBucket, max_wait: float) -> None:
        self.sender = sender
        self.tokens = tokens
        self.max_wait = max_wait

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        if not self.tokens.acquire(self.max_wait):
            raise Throttled("paced")
        return self.sender.send(address, message, idempotency_key=idempotency_key)


class PacedDialer:
    """A Dialer that places no more calls a second than its bucket allows."""

    def __init__(self, dialer: Dialer, tokens: TokenBucket, max_wait: float) -> None:
        self.dialer = dialer
        self.tokens = tokens
        self.max_wait = max_wait

    def place_call(
        self, call_id: str, from_room_phone: str, to: str, digits: str | None, *, request_id: str | None = None
    ) -> str:
        if not self.tokens.acquire(self.max_wait):
            raise DialerError("throttled", retryable=True)
        return self.dialer.place_call(call_id, from_room_phone, to, digits, request_id=request_id)
