"""Reception rules: escalation order, backoff, messages and digests, what a delivery run leaves, expected
visitors, who is leaving at check-out, end-of-day check-out, TTL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from skill.domain.model import NotifyTarget, Site, User
from skill.domain.reception import (
    DIGEST_NAMES,
    MAX_ATTEMPTS_PER_TARGET,
    MAX_NOTIFY_ROUNDS,
    RETRY_CAP_SECONDS,
    Attempt,
    DeliveryOutcome,
    Digest,
    ExpectedVisit,
    Message,
    Stage,
    Visit,
    VisitStatus,
    checkout_due,
    digest_message,
    escalation_plan,
    host_message,
    match_expected,
    named_in_full,
    retry_delays,
    settle,
    visit_expires_at,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")

ALICE = User(
    id="alice",
    name="Alice Tanaka",
    email="alice@example.com",
    delegate="bob",
    notify=(NotifyTarget("sms", "+819012345678"), NotifyTarget("webhook", "https://hooks.slack.com/T/B")),
)
BOB = User(id="bob", name="Bob Suzuki", email="bob@example.com")
RECEPTION = User(id="desk", name="Front Desk", notify=(NotifyTarget("email", "desk@example.com"),))
USERS = {u.id: u for u in (ALICE, BOB, RECEPTION)}


def visit(**changes: object) -> Visit:
    fields: dict[str, object] = {
        "id": "v1",
        "visitor_name": "Ken Sato",
        "company": "Acme",
        "host_id": "alice",
        "checked_in_at": datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO),
    }
    fields.update(changes)
    return Visit(**fields)  # type: ignore[arg-type]


def expected(id: str, name: str, host: str, at: datetime) -> ExpectedVisit:
    return ExpectedVisit(id=id, visitor_name=name, company=None, host_id=host, expected_at=at)


# --- escalation plan ---


def test_plan_goes_host_then_delegate_then_reception() -> None:
    # Given a host with a delegate and a site with a reception contact
    site = Site(reception="desk")

    # When the plan is made
    plan = escalation_plan(ALICE, USERS, site)

    # Then the host's channels come first, then the delegate's email, then reception's
    assert plan == [
        Stage("alice", ALICE.notify, "host"),
        Stage("bob", (NotifyTarget("email", "bob@example.com"),), "delegate"),
        Stage("desk", (NotifyTarget("email", "desk@example.com"),), "reception"),
    ]


def test_plan_skips_missing_and_repeated_people() -> None:
    # Given a host whose delegate is unknown and who is also the site's reception
    host = User(id="alice", name="Alice Tanaka", email="alice@example.com", delegate="ghost")
    site = Site(reception="alice")

    # When the plan is made
    plan = escalation_plan(host, {"alice": host}, site)

    # Then only the host is in it, once
    assert plan == [Stage("alice", (NotifyTarget("email", "alice@example.com"),), "host")]


def test_plan_skips_people_with_no_way_to_reach_them_and_targets_already_tried() -> None:
    # Given a delegate without email or targets, and reception sharing the host's team webhook
    team_hook = NotifyTarget("webhook", "https://hooks.slack.com/T/B")
    host = User(id="alice", name="Alice", delegate="carol", notify=(team_hook,))
    carol = User(id="carol", name="Carol")
    desk = User(id="desk", name="Desk", notify=(team_hook, NotifyTarget("sms", "+12065550100")))

    # When the plan is made
    plan = escalation_plan(host, {"carol": carol, "desk": desk}, Site(reception="desk"))

    # Then the delegate is skipped and reception is only texted
    assert [(s.recipient_id, s.role) for s in plan] == [("alice", "host"), ("desk", "reception")]
    assert plan[1].targets == (NotifyTarget("sms", "+12065550100"),)


def test_plan_without_delegate_or_reception_is_the_host_alone() -> None:
    # Given a host with no delegate and a site with no reception contact
    host = User(id="dan", name="Dan", notify=(NotifyTarget("email", "dan@example.com"),))

    # When / Then
    assert [s.role for s in escalation_plan(host, {}, Site())] == ["host"]


# --- retries ---


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 1.0, 2.0), (2, 2.0, 4.0), (3, 4.0, 8.0)])
def test_retry_delay_doubles_with_jitter(attempt: int, low: float, high: float) -> None:
    # Given the lowest and highest random draws
    # When / Then the delay stays between half and all of the exponential step
    assert retry_delays(attempt, rand=lambda: 0.0) == low
    assert retry_delays(attempt, rand=lambda: 0.999999) == pytest.approx(high, abs=1e-4)
    assert low <= retry_delays(attempt) <= high


def test_retry_delay_is_capped_and_attempts_are_bounded() -> None:
    # When many attempts have failed
    # Then the wait never exceeds the cap and a target gets only a few tries
    assert retry_delays(20, rand=lambda: 0.999999) <= RETRY_CAP_SECONDS
    assert 1 < MAX_ATTEMPTS_PER_TARGET <= 5
    with pytest.raises(ValueError):
        retry_delays(0)


# --- messages ---


def test_host_is_told_who_is_waiting() -> None:
    # When the host's message is written
    message = host_message(visit(), ALICE, "host")

    # Then it names the visitor and company
    assert message == Message(
        subject="Visitor at reception: Ken Sato (Acme)", text="Ken Sato (Acme) is at reception to see you."
    )


def test_delegate_is_told_whom_the_visitor_came_for() -> None:
    # When the delegate's message is written for a visitor without a company
    message = host_message(visit(company=None), ALICE, "delegate")

    # Then it names the host who could not be reached
    assert message.text == "Ken Sato is at reception to see Alice Tanaka, who could not be reached."


def test_messages_in_japanese_and_unknown_locales() -> None:
    # When the message is written for ja-JP and for a locale with no texts
    japanese = host_message(visit(), ALICE, "reception", locale="ja-JP")
    fallback = host_message(visit(), ALICE, "host", locale="xx-XX")

    # Then Japanese reads naturally and anything else falls back to English
    assert japanese.text == (
        "AcmeのKen Sato様がAlice Tanakaさんを訪ねて受付でお待ちです。Alice Tanakaさんに連絡がつきませんでした。"
    )
    assert fallback.text == "Ken Sato (Acme) is at reception to see you."


def test_a_digest_names_its_visitors_and_the_hour_in_the_sites_zone() -> None:
    # Given a digest of three visitors who came to see Alice between 10:00 and 11:00 Tokyo time
    start = datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO)
    arrivals = (visit(id="v1"), visit(id="v2", visitor_name="Mia Wong", company=None), visit(id="v3", company=None))
    digest = Digest("digest-1", "alice", start, start + timedelta(hours=1), arrivals)

    # When its messages are written for the host, for the delegate, and in Japanese
    host = digest_message(digest, ALICE, "host", "Asia/Tokyo")
    delegate = digest_message(digest, ALICE, "delegate", "Asia/Tokyo")
    japanese = digest_message(digest, ALICE, "host", "Asia/Tokyo", locale="ja-JP")

    # Then each says who came in that hour, the delegate whom they came for
    assert host == Message(
        subject="Visitors at reception between 10:00 and 11:00: 3 more",
        text="Also at reception to see you between 10:00 and 11:00: Ken Sato (Acme), Mia Wong, Ken Sato.",
    )
    assert delegate.text.startswith("Also at reception to see Alice Tanaka between 10:00 and 11:00, and Alice")
    assert japanese.text == "10:00〜11:00に受付にいらっしゃった他のお客様: AcmeのKen Sato様、Mia Wong様、Ken Sato様"


def test_a_long_digest_names_the_first_visitors_and_counts_the_rest() -> None:
    start = datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO)
    crowd = tuple(visit(id=f"v{n}", visitor_name=f"Visitor {n}", company=None) for n in range(DIGEST_NAMES + 5))
    message = digest_message(Digest("d", "alice", start, start + timedelta(hours=1), crowd), ALICE, "host", "UTC")
    assert message.text.endswith(f"Visitor {DIGEST_NAMES - 1} and 5 more.")
    assert f"Visitor {DIGEST_NAMES}," not in message.text


# --- what a delivery run leaves ---


def attempt(status: str, attempts: int) -> Attempt:
    return Attempt("k", "alice", "host", "email", status, attempts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcome", "rounds_before", "settled"),
    [
        (DeliveryOutcome(True, "alice", "host", ()), 0, ("delivered", False)),
        (DeliveryOutcome(False, None, None, (attempt("retrying", 3),), throttled=True), 2, ("pending", False)),
        (DeliveryOutcome(False, None, None, (attempt("failed", MAX_ATTEMPTS_PER_TARGET),)), 0, ("pending", True)),
        (
            DeliveryOutcome(False, None, None, (attempt("failed", MAX_ATTEMPTS_PER_TARGET),)),
            MAX_NOTIFY_ROUNDS - 1,
            ("failed", True),
        ),
        (DeliveryOutcome(False, None, None, (attempt("failed", 1),)), 0, ("failed", True)),
    ],
    ids=["delivered", "busy provider", "may pass", "rounds spent", "will not pass"],
)
def test_a_run_is_settled_as_delivered_pending_or_failed(
    outcome: DeliveryOutcome, rounds_before: int, settled: tuple[str, bool]
) -> None:
    assert settle(outcome, rounds_before) == settled


# --- who is leaving ---


def on_site(*names: str) -> list[Visit]:
    return [
        visit(id=f"v{n}", visitor_name=name, checked_in_at=NOW + timedelta(minutes=n)) for n, name in enumerate(names)
    ]


@pytest.mark.parametrize(
    ("said", "names", "leaving"),
    [
        ("Johanna Smith", ("Johanna Smith",), "Johanna Smith"),
        ("smith johanna", ("Johanna Smith",), "Johanna Smith"),
        ("Joanna Smith", ("Johanna Smith",), "Johanna Smith"),
        ("Smith", ("Johanna Smith",), None),
        ("Johanna", ("Johanna Smith",), None),
        ("Jo Smith", ("Johanna Smith",), None),
        ("Anna Smith", ("Johanna Smith",), None),
        ("Smith", ("Johanna Smith", "John Smith"), None),
        ("John Smith", ("Johanna Smith", "John Smith"), "John Smith"),
        ("Johanna Smith", ("Johanna Smith", "John Smith"), "Johanna Smith"),
        ("Madonna", ("Madonna",), "Madonna"),
        ("佐藤花子", ("佐藤 花子",), "佐藤 花子"),
        ("佐藤", ("佐藤 花子",), None),
        ("", ("Johanna Smith",), None),
        ("!!", ("Johanna Smith",), None),
    ],
)
def test_only_a_visitors_whole_name_says_who_is_leaving(said: str, names: tuple[str, ...], leaving: str | None) -> None:
    found = named_in_full(said, on_site(*names))
    assert (found.visitor_name if found else None) == leaving


def test_of_two_visitors_under_one_name_the_first_to_arrive_leaves_first() -> None:
    visitors = on_site("Ken Sato", "Mia Wong", "ken  sato")
    found = named_in_full("Ken Sato", visitors)
    assert found is not None and found.id == "v0"


def test_two_different_names_that_fit_equally_are_no_answer() -> None:
    assert named_in_full("Jon Smith", on_site("John Smith", "Jonn Smith")) is None


# --- expected visitors ---

NOW = datetime(2026, 3, 2, 10, 5, tzinfo=TOKYO)


def test_matches_a_voice_captured_name_to_the_announced_visit() -> None:
    # Given a visitor announced for 10:00 today, spelt differently and in another word order
    announced = [
        expected("e1", "Sato, Ken", "alice", datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO)),
        expected("e2", "Mary Major", "alice", datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO)),
    ]

    # When "ken sato" checks in
    match = match_expected("ken sato", None, announced, NOW)

    # Then the announced visit is found
    assert match is not None and match.id == "e1"


def test_prefers_the_visit_for_the_named_host() -> None:
    # Given two announced visitors with close names for different hosts
    announced = [
        expected("for-bob", "Ken Sato", "bob", datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO)),
        expected("for-alice", "Ken Satou", "alice", datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO)),
    ]

    # When Ken Sato checks in asking for Alice
    match = match_expected("Ken Sato", "alice", announced, NOW)

    # Then Alice's visitor is chosen even though Bob's is spelt exactly
    assert match is not None and match.id == "for-alice"


def test_no_match_for_other_days_far_times_or_other_names() -> None:
    # Given visits announced yesterday, far from now, and one for someone else
    announced = [
        expected("yesterday", "Ken Sato", "alice", datetime(2026, 3, 1, 10, 0, tzinfo=TOKYO)),
        expected("tonight", "Ken Sato", "alice", datetime(2026, 3, 2, 21, 0, tzinfo=TOKYO)),
        expected("other", "Mary Major", "alice", NOW),
    ]

    # When Ken Sato checks in now
    # Then nothing matches
    assert match_expected("Ken Sato", "alice", announced, NOW) is None


def test_today_is_the_local_day_of_now() -> None:
    # Given a visit announced for 08:30 Tokyo time, stored in UTC (still the previous day in UTC)
    announced = [expected("e1", "Ken Sato", "alice", datetime(2026, 3, 1, 23, 30, tzinfo=UTC))]

    # When Ken Sato checks in at 09:00 Tokyo time
    match = match_expected("Ken Sato", None, announced, datetime(2026, 3, 2, 9, 0, tzinfo=TOKYO))

    # Then it is today's visit
    assert match is not None and match.id == "e1"


# --- end of day ---

END_OF_DAY = time(20, 0)


def test_visitors_on_site_after_local_end_of_day_are_due() -> None:
    # Given a Tokyo site, a visitor still on site and one who already left
    staying = visit(id="staying")
    left = visit(id="left", checked_out_at=datetime(2026, 3, 2, 11, 0, tzinfo=TOKYO))

    # When it is 19:59 and then 20:00 in Tokyo (both instants given in UTC)
    before = checkout_due([staying, left], END_OF_DAY, "Asia/Tokyo", datetime(2026, 3, 2, 10, 59, tzinfo=UTC))
    after = checkout_due([staying, left], END_OF_DAY, "Asia/Tokyo", datetime(2026, 3, 2, 11, 0, tzinfo=UTC))

    # Then only the visitor still on site is due, and only from 20:00 local time
    assert before == []
    assert [v.id for v in after] == ["staying"]


def test_site_timezone_decides_the_day_not_utc() -> None:
    # Given a New York site and a visitor who arrived at 09:00 local time (14:00 UTC)
    arrived = visit(checked_in_at=datetime(2026, 3, 2, 9, 0, tzinfo=NEW_YORK))

    # When it is 01:00 UTC the next day, which is still 20:00 on the same day in New York
    now = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)

    # Then the visitor is due; at 00:30 UTC (19:30 in New York) they were not
    assert checkout_due([arrived], END_OF_DAY, NEW_YORK, now) == [arrived]
    assert checkout_due([arrived], END_OF_DAY, NEW_YORK, now - timedelta(minutes=30)) == []


def test_late_arrivals_stay_until_the_day_is_over() -> None:
    # Given a visitor who checked in at 21:00 Tokyo time, after the end of day
    late = visit(checked_in_at=datetime(2026, 3, 2, 21, 0, tzinfo=TOKYO))

    # When the sweep runs at 23:00 and again after midnight
    # Then they are left alone the same evening and checked out on the next run after midnight
    assert checkout_due([late], END_OF_DAY, TOKYO, datetime(2026, 3, 2, 23, 0, tzinfo=TOKYO)) == []
    assert checkout_due([late], END_OF_DAY, TOKYO, datetime(2026, 3, 3, 0, 5, tzinfo=TOKYO)) == [late]


# --- visit ---


def test_visit_status_follows_check_out() -> None:
    # Given a visit, then the same visit checked out
    on_site = visit()
    gone = visit(checked_out_at=datetime(2026, 3, 2, 12, 0, tzinfo=TOKYO))

    # Then the status says where the visitor is
    assert on_site.status == "on_site" and on_site.status is VisitStatus.ON_SITE
    assert gone.status == "checked_out"


def test_visit_expires_after_the_retention_period() -> None:
    # Given a check-in and 30 days of retention
    checked_in = datetime(2026, 3, 2, 10, 0, tzinfo=TOKYO)

    # When the TTL is computed
    expires = visit_expires_at(checked_in, 30)

    # Then it is 30 days later, in epoch seconds
    assert datetime.fromtimestamp(expires, UTC) == checked_in + timedelta(days=30)
    with pytest.raises(ValueError):
        visit_expires_at(datetime(2026, 3, 2, 10, 0), 30)
