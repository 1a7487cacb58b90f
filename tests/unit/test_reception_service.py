"""Reception use cases with in-memory fakes: host matching, expected visitors, the limit on check-ins,
check-out by a visitor's whole name, end-of-day check-out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fakes import InMemoryFleetStore, InMemoryVisits

from skill.domain.limits import LimitReached
from skill.domain.model import Caller, CallerKind, Contact, Fleet, Limits, NotifyTarget, Site, User
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


def test_check_out_goes_by_the_whole_name_only_once(reception):
    # Given Ken Sato checked in at the lobby
    reception.check_in(LOBBY, "Ken Sato", "Bob", None, NOW, None)

    # When nobody is named, then his whole name in another order, then again
    nameless = reception.check_out(None, LOBBY, NOW)
    leaving = reception.check_out("sato ken", LOBBY, NOW)
    again = reception.check_out("Ken Sato", LOBBY, NOW)

    # Then the name is asked for, he is checked out, and the second time nobody fits
    assert (nameless.status, leaving.status, again.status) == ("need_name", "checked_out", "unclear")
    assert leaving.visit is not None and leaving.visit.checked_out_at == NOW


def test_a_surname_that_fits_one_visitor_is_no_answer_and_checks_nobody_out(reception, visits):
    # Given Johanna Smith on site
    reception.check_in(LOBBY, "Johanna Smith", "Bob", None, NOW, None)

    # When someone says only "Smith", or only "Johanna"
    outcomes = [reception.check_out(name, LOBBY, NOW) for name in ("Smith", "Johanna")]

    # Then neither names her in full: the same answer as for a name nobody has, and she is still on site
    assert [(o.status, o.visit) for o in outcomes] == [("unclear", None), ("unclear", None)]
    assert reception.leaving("Zebediah Quux").status == "unclear"
    assert [v.visitor_name for v in visits.on_site()] == ["Johanna Smith"]


def test_two_visitors_sharing_a_surname_are_each_checked_out_by_their_whole_name(reception, visits):
    # Given Johanna and John Smith on site
    reception.check_in(LOBBY, "Johanna Smith", "Bob", None, NOW, None)
    reception.check_in(LOBBY, "John Smith", "Alice Tanaka", None, NOW, None)

    # When "Smith" is said, then "John Smith"
    surname = reception.leaving("Smith")
    john = reception.check_out("John Smith", LOBBY, NOW)

    # Then the surname fits nobody in full, and only John leaves
    assert surname.status == "unclear"
    assert john.status == "checked_out" and john.visit and john.visit.visitor_name == "John Smith"
    assert [v.visitor_name for v in visits.on_site()] == ["Johanna Smith"]


def test_the_thirty_first_check_in_of_the_hour_from_one_device_is_refused_and_writes_nothing(reception, visits):
    # Given a lobby device that checked in 30 visitors this hour (the default limit)
    for n in range(30):
        assert reception.check_in(LOBBY, f"Visitor {n}", "Bob", None, NOW, None).status == "checked_in"

    # When a 31st is checked in from it, and one from another device
    with pytest.raises(LimitReached) as refused:
        reception.check_in(LOBBY, "Visitor 30", "Bob", None, NOW + timedelta(minutes=59), None)
    other = replace(LOBBY, device_id="amzn1.ask.device.LOBBY2")
    elsewhere = reception.check_in(other, "Visitor 31", "Bob", None, NOW, None)

    # Then that one is refused, nothing stored for it, and the other device is not held back
    assert refused.value.reason == "checkins"
    assert "Visitor 30" not in {v.visitor_name for v in visits.visits.values()}
    assert elsewhere.status == "checked_in"
    # And the next hour the device checks visitors in again
    assert reception.check_in(LOBBY, "Visitor 32", "Bob", None, NOW + timedelta(hours=1), None).status == "checked_in"


def test_the_fleet_files_limit_on_check_ins_is_the_one_kept(visits):
    # Given a fleet allowing a device two check-ins an hour
    reception = ReceptionService(
        InMemoryFleetStore.of(replace(FLEET, limits=Limits(checkins_per_device_per_hour=2))), visits
    )

    # When three are checked in
    for name in ("Ken Sato", "Mia Wong"):
        reception.check_in(LOBBY, name, "Bob", None, NOW, None)

    # Then the third is refused
    with pytest.raises(LimitReached):
        reception.check_in(LOBBY, "Ivo Berg", "Bob", None, NOW, None)


def test_visitors_left_at_the_end_of_day_are_checked_out(reception, visits):
    reception.check_in(LOBBY, "Ken Sato", "Bob", None, NOW, None)
    assert reception.auto_check_out(NOW + timedelta(hours=9)) == 0  # 19:00 local
    assert reception.auto_check_out(NOW + timedelta(hours=10, minutes=5)) == 1
    assert visits.on_site() == []


def test_an_announced_visitor_is_stored_for_the_host(reception, visits):
    host = User("bob", "Bob Chen")
    expected = reception.expect(host, " Ken Sato ", "Acme", NOW + timedelta(hours=2), SITE)
    assert visits.expected == [expected] and (expected.visitor_name, expected.host_id) == ("Ken Sato", "bob")
