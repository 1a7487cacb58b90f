"""Pacing sends to a provider's rate: the token bucket's waits, a send refused before it goes out when the wait
would be too long, and the paced email/SMS sender and telephony dialer."""

from __future__ import annotations

import threading

import pytest
from fakes import RecordingDialer, RecordingSender

from skill.adapters.pacing import PacedDialer, PacedSender, TokenBucket, bucket
from skill.domain.dialing import DialerError
from skill.domain.reception import Message, Throttled

MESSAGE = Message("Visitor at reception", "Ken Sato is at reception to see you.")


class Timeline:
    """A clock that only moves when someone sleeps, recording each wait."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 6))
        self.now += seconds


def test_sends_go_no_faster_than_the_rate() -> None:
    # Given two sends a second
    time = Timeline()
    tokens = TokenBucket(2.0, clock=time.clock, sleep=time.sleep)

    # When four sends are made one after another
    allowed = [tokens.acquire(max_wait=5) for _ in range(4)]

    # Then the first goes at once and each next one half a second later
    assert allowed == [True] * 4
    assert time.waits == [0.5, 0.5, 0.5]


def test_a_quiet_spell_lets_a_burst_go_at_once() -> None:
    # Given one send a second with bursts of three, quiet for ten seconds
    time = Timeline()
    tokens = TokenBucket(1.0, burst=3, clock=time.clock, sleep=time.sleep)
    time.now += 10

    # When four sends come together
    for _ in range(4):
        tokens.acquire(max_wait=5)

    # Then three go at once and the fourth waits its second
    assert time.waits == [1.0]


def test_a_send_that_would_wait_too_long_is_refused_and_takes_no_token() -> None:
    # Given one send a second, with one just made
    time = Timeline()
    tokens = TokenBucket(1.0, clock=time.clock, sleep=time.sleep)
    tokens.acquire(max_wait=0)

    # When another may wait only half a second, then a whole one
    impatient = tokens.acquire(max_wait=0.5)
    patient = tokens.acquire(max_wait=1.0)

    # Then the first is refused without waiting, and the second gets the token the first did not take
    assert (impatient, patient) == (False, True)
    assert time.waits == [1.0]


def test_threads_sharing_a_bucket_are_each_given_their_own_slot() -> None:
    # Given a bucket of ten a second shared by eight threads, the clock standing still
    waits: list[float] = []
    tokens = TokenBucket(10.0, clock=lambda: 100.0, sleep=waits.append)

    # When each sends once at the same moment
    threads = [threading.Thread(target=tokens.acquire, args=(5,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then one goes at once and each other waits for a slot of its own, a tenth of a second apart
    assert sorted(round(wait, 6) for wait in waits) == [round(0.1 * n, 6) for n in range(1, 8)]


def test_one_bucket_per_provider_is_shared_by_the_process() -> None:
    assert bucket("test-provider", 3.0) is bucket("test-provider", 3.0)
    assert bucket("test-provider", 3.0) is not bucket("another-provider", 3.0)


def test_a_paced_sender_refuses_as_throttled_before_anything_goes_out() -> None:
    # Given an email channel paced at one a second, one email just sent
    time = Timeline()
    inner = RecordingSender()
    sender = PacedSender(inner, TokenBucket(1.0, clock=time.clock, sleep=time.sleep), max_wait=0.2)
    sender.send("bob@example.com", MESSAGE, idempotency_key="k1")

    # When the next one may not wait its second
    with pytest.raises(Throttled) as refused:
        sender.send("dan@example.com", MESSAGE, idempotency_key="k2")

    # Then it was refused as throttled (a later run sends it), and only the first went out
    assert refused.value.retryable and refused.value.reason == "paced"
    assert [address for address, _ in inner.sent] == ["bob@example.com"]


def test_a_paced_dialer_keeps_to_the_calls_per_second() -> None:
    # Given the telephony API paced at one call a second
    time = Timeline()
    inner = RecordingDialer()
    dialer = PacedDialer(inner, TokenBucket(1.0, clock=time.clock, sleep=time.sleep), max_wait=1.0)

    # When three calls are placed together, the third allowed no wait
    dialer.place_call("c1", "+81312340005", "+81312345678", None)
    dialer.place_call("c2", "+81312340005", "+81312345679", None)
    dialer.max_wait = 0.0
    with pytest.raises(DialerError) as busy:
        dialer.place_call("c3", "+81312340005", "+81312345670", None)

    # Then the second waited its second, and the third was refused as throttled without reaching the provider
    assert time.waits == [1.0]
    assert (busy.value.reason, busy.value.retryable) == ("throttled", True)
    assert [call.call_id for call in inner.calls] == ["c1", "c2"]
