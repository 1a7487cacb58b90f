"""Reception use cases with in-memory fakes: host matching, expected visitors, check-out, end-of-day
check-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import InMemoryFleetStore, InMemoryVisits

from skill.domain.model import Caller, CallerKind, Contact, Fleet, NotifyTarget, Site, User
from skill.domain.reception import ExpectedVisit
from skill.services.reception import ReceptionService

SITE = Site(name="HQ", timezone="Asia/Tokyo", reception="carol", end_of_day="20:00")
LOBBY = Caller(CallerKind.SHARED, "amzn1.ask.device.LOBBY", site=SITE, features=frozenset({"reception"}))
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
FLEET = Fleet(
    site=SITE,
    users=(
        User("alice", "Alice Tanaka"),
        User("alicec", "Alice Chen"),
        User("bob", "Bob Chen", notify=(NotifyTarget("email", "bob@example.com"),)),
    ),
    contacts=(Contact("acme", "Acme Support"),),
)


@pytest.fixture
def visits() -> InMemoryVisits:
    return InMemoryVisits()


@pytest.fixture
def reception(visits: InMemoryVisits) -> ReceptionService:
    return ReceptionService(InMemoryFleetStore.of(FLEET), visits)


def test_a_clear_host_checks_the_visitor_in_with_one_stored_visit(reception, visits):
    outcome = reception.check_in(LOBBY, "Ken Sato", "Bob", "Acme", NOW, "req-1")
    assert outcome.status == "checked_in" and outcome.host and outcome.host.id == "bob"
    assert [(v.visitor_name, v.host_id, v.request_id, v.device) for v in visits.visits.values()] == [
        ("Ken Sato", "bob", "req-1", "amzn1.ask.device.LOBBY")
    ]


def test_a_host_named_in_kana_is_found_through_the_employees_readings(visits):
    # Given employees in the fleet, one with a kana reading, none with an alias
    users = (User("atanaka", "Alice Tanaka"), User("ksato", "東海林 健", reading="しょうじ けん"))
    reception = ReceptionService(InMemoryFleetStore.of(Fleet(site=SITE, users=users)), visits)

    # When visitors name their hosts as Alexa hears them in Japanese
    tanaka = reception.check_in(LOBBY, "佐藤", "たなか", None, NOW, "req-1")
    shoji = reception.check_in(LOBBY, "鈴木", "しょうじ", None, NOW, "req-2")

    # Then each visit is for the host meant
    assert [outcome.host.id for outcome in (tanaka, shoji) if outcome.host] == ["atanaka", "ksato"]


def test_an_ambiguous_host_offers_two_names_and_writes_nothing(reception, visits):
    outcome = reception.check_in(LOBBY, "Ken Sato", "Alice", None, NOW, "req-1")
    assert outcome.status == "ambiguous"
    assert {c.id for c in outcome.candidates} == {"alice", "alicec"}
    assert visits.visits == {}


def test_a_chosen_host_is_checked_in_without_matching_again(reception, visits):
    outcome = reception.check_in(LOBBY, "Ken Sato", "Alice", None, NOW, "req-1", host_id="alicec")
    assert outcome.status == "checked_in" and [v.host_id for v in visits.visits.values()] == ["alicec"]


def test_only_a_stored_check_in_is_counted(reception, counted):
    # Given a check-in with a clear host and one with an ambiguous host
    reception.check_in(LOBBY, "Ken Sato", "Bob", "Acme", NOW, "req-1")
    reception.check_in(LOBBY, "Mia Wong", "Alice", None, NOW, "req-2")
    # Then only the stored visit is counted
    assert counted("VisitorCheckedIn") == 1


def test_contacts_and_strangers_are_not_hosts(reception, visits):
    for query in ("Acme Support", "Zebediah Quux"):
        assert reception.check_in(LOBBY, "Ken", query, None, NOW, None).status == "no_match"
    assert visits.visits == {}


def test_an_expected_visitor_is_recognised(reception, visits):
    announced = ExpectedVisit("e1", "Ken Sato", "Acme", "bob", NOW + timedelta(minutes=20))
    visits.expected.append(announced)
    outcome = reception.check_in(LOBBY, "ken sato", "Bob Chen", None, NOW, None)
    assert outcome.expected == announced
    assert outcome.visit and (outcome.visit.expected_id, outcome.visit.company) == ("e1", "Acme")


def test_check_out_by_name_or_the_only_visitor_of_this_device(reception):
    reception.check_in(LOBBY, "Ken Sato", "Bob", None, NOW, None)
    assert reception.check_out(None, LOBBY, NOW).status == "checked_out"
    assert reception.check_out("Ken Sato", LOBBY, NOW).status == "not_found"


def test_visitors_left_at_the_end_of_day_are_checked_out(reception, visits):
    reception.check_in(LOBBY, "Ken Sato", "Bob", None, NOW, None)
    assert reception.auto_check_out(NOW + timedelta(hours=9)) == 0  # 19:00 local
    assert reception.auto_check_out(NOW + timedelta(hours=10, minutes=5)) == 1
    assert visits.on_site() == []


def test_an_announced_visitor_is_stored_for_the_host(reception, visits):
    host = User("bob", "Bob Chen")
    expected = reception.expect(host, " Ken Sato ", "Acme", NOW + timedelta(hours=2), SITE)
    assert visits.expected == [expected] and (expected.visitor_name, expected.host_id) == ("Ken Sato", "bob")
