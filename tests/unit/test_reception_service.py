"""Reception use cases with an in-memory visits store: host matching, expected visitors, check-out,
end-of-day check-out, and notification that never tells anyone twice."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from skill.adapters.notify import Attempt
from skill.domain.directory import DirectoryEntry
from skill.domain.model import Caller, CallerKind, NotifyTarget, Site, User
from skill.domain.reception import ExpectedVisit, Message, Visit
from skill.services import reception

SITE = Site(name="HQ", timezone="Asia/Tokyo", reception="carol", end_of_day="20:00")
LOBBY = Caller(CallerKind.SHARED, "amzn1.ask.device.LOBBY", site=SITE, features=frozenset({"reception"}))
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
DIRECTORY = [
    DirectoryEntry("alice", "Alice Tanaka"),
    DirectoryEntry("alicec", "Alice Chen"),
    DirectoryEntry("bob", "Bob Chen"),
    DirectoryEntry("acme", "Acme Support", kind="contact"),
]


@dataclass
class MemoryVisits:
    visits: dict[str, Visit] = field(default_factory=dict)
    status: dict[str, tuple[str, int]] = field(default_factory=dict)
    expected: list[ExpectedVisit] = field(default_factory=list)
    attempts: dict[str, Attempt] = field(default_factory=dict)

    def add_visit(self, visit: Visit, tz: str, expires_at: int) -> None:
        self.visits[visit.id] = visit
        self.status[visit.id] = ("pending", 0)

    def on_site(self) -> list[Visit]:
        return [v for v in self.visits.values() if v.checked_out_at is None]

    def pending_notifications(self) -> list[Visit]:
        return [v for v in self.on_site() if self.status[v.id][0] == "pending"]

    def check_out(self, visit: Visit, tz: str, at: datetime) -> bool:
        if self.visits[visit.id].checked_out_at is not None:
            return False
        self.visits[visit.id] = replace(visit, checked_out_at=at)
        return True

    def set_notify_status(self, visit: Visit, tz: str, status: str, *, count_round: bool = False) -> None:
        self.status[visit.id] = (status, self.status[visit.id][1] + int(count_round))

    def notify_state(self, visit: Visit, tz: str) -> tuple[str, int] | None:
        return self.status.get(visit.id)

    def add_expected(self, expected: ExpectedVisit, tz: str, expires_at: int) -> None:
        self.expected.append(expected)

    def expected_on(self, day: date) -> list[ExpectedVisit]:
        return list(self.expected)

    def record_attempt(self, visit_id: str, attempt: Attempt, expires_at: int, now: datetime) -> None:
        self.attempts[attempt.key] = attempt

    def already_sent(self, visit_id: str, target_key: str) -> bool:
        return target_key in self.attempts and self.attempts[target_key].status == "sent"


@dataclass
class People:
    """A fleet store reduced to what the notifier reads: the site and users."""

    users: dict[str, User]

    def profile(self, room_id, group_id, user_ids):  # type: ignore[no-untyped-def]
        return SITE, None, None, {u: self.users[u] for u in user_ids if u in self.users}


@dataclass
class Outbox:
    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, address: str, message: Message, *, idempotency_key: str) -> str:
        self.sent.append((address, message.text))
        return "id"


def test_a_clear_host_checks_the_visitor_in_with_one_stored_visit():
    store = MemoryVisits()
    outcome = reception.check_in(LOBBY, "Ken Sato", "Bob", "Acme", DIRECTORY, [], NOW, "req-1", store)
    assert outcome.status == "checked_in" and outcome.host and outcome.host.id == "bob"
    assert [(v.visitor_name, v.host_id, v.request_id, v.device) for v in store.visits.values()] == [
        ("Ken Sato", "bob", "req-1", "amzn1.ask.device.LOBBY")
    ]


def test_a_host_named_in_kana_is_found_through_the_employees_readings():
    # Given employees from the fleet, one with a kana reading, none with an alias
    users = [User("atanaka", "Alice Tanaka"), User("ksato", "東海林 健", reading="しょうじ けん")]
    directory = reception.employee_directory(users)

    # When visitors name their hosts as Alexa hears them in Japanese
    store = MemoryVisits()
    tanaka = reception.check_in(LOBBY, "佐藤", "たなか", None, directory, [], NOW, "req-1", store)
    shoji = reception.check_in(LOBBY, "鈴木", "しょうじ", None, directory, [], NOW, "req-2", store)

    # Then each visit is for the host meant
    assert [outcome.host.id for outcome in (tanaka, shoji) if outcome.host] == ["atanaka", "ksato"]


def test_an_ambiguous_host_offers_two_names_and_writes_nothing():
    store = MemoryVisits()
    outcome = reception.check_in(LOBBY, "Ken Sato", "Alice", None, DIRECTORY, [], NOW, "req-1", store)
    assert outcome.status == "ambiguous"
    assert {c.id for c in outcome.candidates} == {"alice", "alicec"}
    assert store.visits == {}


def test_only_a_stored_check_in_is_counted(counted):
    # Given a check-in with a clear host and one with an ambiguous host
    store = MemoryVisits()
    reception.check_in(LOBBY, "Ken Sato", "Bob", "Acme", DIRECTORY, [], NOW, "req-1", store)
    reception.check_in(LOBBY, "Mia Wong", "Alice", None, DIRECTORY, [], NOW, "req-2", store)
    # Then only the stored visit is counted
    assert counted("VisitorCheckedIn") == 1


def test_contacts_and_strangers_are_not_hosts():
    store = MemoryVisits()
    for query in ("Acme Support", "Zebediah Quux"):
        assert reception.check_in(LOBBY, "Ken", query, None, DIRECTORY, [], NOW, None, store).status == "no_match"
    assert store.visits == {}


def test_an_expected_visitor_is_recognised():
    announced = ExpectedVisit("e1", "Ken Sato", "Acme", "bob", NOW + timedelta(minutes=20))
    store = MemoryVisits()
    outcome = reception.check_in(LOBBY, "ken sato", "Bob Chen", None, DIRECTORY, [announced], NOW, None, store)
    assert outcome.expected == announced
    assert outcome.visit and (outcome.visit.expected_id, outcome.visit.company) == ("e1", "Acme")


def test_check_out_by_name_or_the_only_visitor_of_this_device():
    store = MemoryVisits()
    reception.check_in(LOBBY, "Ken Sato", "Bob", None, DIRECTORY, [], NOW, None, store)
    assert reception.check_out(None, LOBBY.device_id, NOW, SITE, store).status == "checked_out"
    assert reception.check_out("Ken Sato", LOBBY.device_id, NOW, SITE, store).status == "not_found"


def test_visitors_left_at_the_end_of_day_are_checked_out():
    store = MemoryVisits()
    reception.check_in(LOBBY, "Ken Sato", "Bob", None, DIRECTORY, [], NOW, None, store)
    assert reception.auto_check_out(NOW + timedelta(hours=9), SITE, store) == 0  # 19:00 local
    assert reception.auto_check_out(NOW + timedelta(hours=10, minutes=5), SITE, store) == 1
    assert store.on_site() == []


def test_a_visit_notified_twice_tells_the_host_once():
    store = MemoryVisits()
    users = {"bob": User("bob", "Bob Chen", notify=(NotifyTarget("email", "bob@example.com"),))}
    visit = reception.check_in(LOBBY, "Ken Sato", "Bob", "Acme", DIRECTORY, [], NOW, None, store).visit
    assert visit is not None
    outbox = Outbox()
    results = [reception.notify_visit(visit, People(users), {"email": outbox}, store) for _ in range(2)]
    assert [r.status for r in results] == ["delivered", "skipped"]
    assert outbox.sent == [("bob@example.com", "Ken Sato (Acme) is at reception to see you.")]
    assert store.status[visit.id][0] == "delivered"
