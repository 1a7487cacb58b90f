"""The fleet file: validation naming every bad field by path, and the entity <-> document mapping."""

from __future__ import annotations

import copy
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.domain.egress import LOCAL
from skill.domain.errors import FleetValidationError
from skill.domain.fleet import fleet_to_doc, parse_fleet
from skill.domain.model import DeviceKind, Limits, NotifyTarget

DEMO = Path(__file__).resolve().parents[2] / "skill" / "data" / "demo-fleet.yaml"

OFFICE: dict[str, Any] = {
    "site": {"name": "HQ", "timezone": "Asia/Tokyo", "country": "JP"},
    "rooms": [{"id": "fuji", "name": "Fuji", "capacity": 8}, {"id": "aso", "name": "Aso"}],
    "skill_groups": [{"id": "lobby", "features": ["reception", "calling"]}],
    "devices": [
        {"id": "amzn1.ask.device.FUJI", "room": "fuji"},
        {"id": "amzn1.ask.device.LOBBY", "room": "aso", "skill_group": "lobby"},
        {"id": "amzn1.ask.device.ALICE", "kind": "personal", "user": "alice"},
    ],
    "users": [
        {
            "id": "alice",
            "name": "Alice Tanaka",
            "email": "alice@example.com",
            "phones": {"cell": "090-1234-5678"},
            "alexa_person_ids": ["amzn1.ask.person.A"],
            "delegate": "bob",
            "notify": [{"email": "alice@example.com"}, {"sms": "090-1234-5678"}],
        },
        {"id": "bob", "name": "Bob Suzuki", "reading": "すずき ぼぶ"},
    ],
    "contacts": [{"id": "acme", "name": "Acme", "reading": "アクメ", "phones": {"office": "+1 206 555 0100"}}],
    "calling": {"shared_may_call": ["employees"], "blocked_prefixes": ["+1900"]},
    "limits": {"calls_per_device_per_hour": 5},
}


def office() -> dict[str, Any]:
    return copy.deepcopy(OFFICE)


def problems(doc: Any) -> list[str]:
    with pytest.raises(FleetValidationError) as raised:
        parse_fleet(doc)
    return raised.value.problems


def test_a_valid_file_parses_with_phones_in_e164_for_the_site_country() -> None:
    # Given a valid fleet document
    doc = office()

    # When it is parsed
    fleet = parse_fleet(doc)

    # Then entities come out typed, phone numbers normalised and phone type synonyms mapped
    assert [r.id for r in fleet.rooms] == ["fuji", "aso"]
    assert fleet.devices[2].kind is DeviceKind.PERSONAL
    assert fleet.devices[0].kind is DeviceKind.SHARED
    alice = fleet.users[0]
    assert alice.phones == {"mobile": "+819012345678"}
    assert alice.notify == (NotifyTarget("email", "alice@example.com"), NotifyTarget("sms", "+819012345678"))
    assert fleet.contacts[0].phones == {"office": "+12065550100"}
    assert fleet.calling.blocked_prefixes == ("+1900",)


def test_the_bundled_demo_office_is_valid() -> None:
    # Given the demo fleet shipped with the package (bundled feed files, webhooks on this machine)
    doc = yaml.safe_load(DEMO.read_text(encoding="utf-8"))

    # When it is parsed as the local runtime applies it
    fleet = parse_fleet(doc, egress=LOCAL)

    # Then it is the Tokyo office with a lobby device and alice's personal device
    assert (fleet.site.name, fleet.site.timezone, fleet.site.country) == ("Example HQ", "Asia/Tokyo", "JP")
    assert {r.id for r in fleet.rooms if not r.bookable} == {"lobby"}
    assert len({r.floor for r in fleet.rooms if r.bookable}) == 2
    lobby = next(d for d in fleet.devices if d.room == "lobby")
    assert lobby.skill_group == "lobby"
    assert any(d.user == "alice" and d.kind is DeviceKind.PERSONAL for d in fleet.devices)


def test_a_document_round_trips_through_fleet_to_doc() -> None:
    # Given a parsed fleet
    fleet = parse_fleet(office())

    # When it is turned back into a document and parsed again
    again = parse_fleet(fleet_to_doc(fleet))

    # Then nothing is lost or changed
    assert again == fleet


def test_a_reading_is_kept_in_kana_as_written_with_widths_and_spaces_folded() -> None:
    # Given readings in full-width and half-width kana, with a full-width space
    doc = edit("users.0.reading", "ﾀﾅｶ\u3000ｱﾘｽ")
    doc["users"][1]["reading"] = "  すずき   ぼぶ "

    # When the file is parsed
    fleet = parse_fleet(doc)

    # Then each reading is kept as kana, in one width, one space between parts; a contact keeps its own
    assert [user.reading for user in fleet.users] == ["タナカ アリス", "すずき ぼぶ"]
    assert fleet.contacts[0].reading == "アクメ"
    assert fleet_to_doc(fleet)["users"][1]["reading"] == "すずき ぼぶ"


def edit(path: str, value: Any) -> dict[str, Any]:
    """office() with the value at a dotted path (list indexes as numbers) replaced."""
    doc = office()
    *parents, last = path.split(".")
    target: Any = doc
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("devices.2.user", "alicia", "devices[2].user: unknown user 'alicia'"),
        ("devices.1.skill_group", "lobbby", "devices[1].skill_group: unknown skill group 'lobbby'"),
        ("site.timezone", "Asia/Tokio", "site.timezone: unknown IANA time zone 'Asia/Tokio'"),
        ("site.country", "Japan", "site.country: expected a two-letter country code"),
        ("users.0.phones", {"mobile": "12"}, "users[0].phones.mobile: invalid phone number '12' for country JP"),
        ("users.0.phones", {"fax": "090-1234-5678"}, "users[0].phones.fax: unknown phone type"),
        ("rooms.0.phone", "not a phone", "rooms[0].phone: invalid phone number"),
        ("rooms.1.id", "fuji", "rooms[1].id: duplicate id 'fuji' (also rooms[0])"),
        ("rooms.0.id", "Fuji Room", "rooms[0].id: invalid id 'Fuji Room'"),
        ("rooms.0.colour", "blue", "rooms[0].colour: unknown field"),
        ("rooms.0.booking", {"max_minutes": 120, "maximum": 3}, "rooms[0].booking.maximum: unknown field"),
        ("rooms.0.capacity", "eight", "rooms[0].capacity: expected a whole number, got text"),
        ("rooms.0.capacity", 0, "rooms[0].capacity: must be between 1 and 10000"),
        ("rooms.0.bookable", "yes", "rooms[0].bookable: expected true or false, got text"),
        ("rooms.0.calendar", "ftp://example.com/fuji.ics", "rooms[0].calendar: not an http(s) URL or file path"),
        ("rooms.0.aliases", "mount fuji", "rooms[0].aliases: expected a list, got text"),
        ("rooms", {"fuji": {"name": "Fuji"}}, "rooms: expected a list, got a mapping"),
        ("rooms.1", "aso", "rooms[1]: expected a mapping, got text"),
        ("site", ["HQ"], "site: expected a mapping, got a list"),
        ("skill_groups.0.features", ["reception", "coffee"], "skill_groups[0].features[1]: unknown feature 'coffee'"),
        ("devices.0.kind", "kiosk", "devices[0].kind: expected shared or personal, got 'kiosk'"),
        ("devices.0.room", None, "devices[0].room: a shared device needs the room it stands in"),
        ("devices.2.room", "fuji", "devices[2].room: a personal device belongs to a user, not a room"),
        ("users.1.name", "", "users[1].name: must not be empty"),
        ("users.0.email", "alice.example.com", "users[0].email: not an email address"),
        ("users.0.delegate", "alice", "users[0].delegate: a user cannot be their own delegate"),
        ("users.0.notify", [{"pager": "123"}], "users[0].notify[0].pager: unknown channel"),
        ("users.0.notify", [{"webhook": "hooks.example.com"}], "users[0].notify[0].webhook: expected an http(s) URL"),
        ("users.1.alexa_person_ids", ["amzn1.ask.person.A"], "users[1].alexa_person_ids[0]: already enrolled for"),
        ("users.1.reading", "Suzuki Bob", "users[1].reading: expected the name as said, in hiragana or katakana"),
        ("users.1.reading", "鈴木", "users[1].reading: expected the name as said, in hiragana or katakana"),
        ("users.1.reading", ["すずき"], "users[1].reading: expected text, got a list"),
        ("contacts.0.reading", "あくめ!", "contacts[0].reading: expected the name as said, in hiragana or katakana"),
        ("contacts.0.phones", None, "contacts[0].phones: a contact needs at least one phone number"),
        ("contacts.0.phones", {}, "contacts[0].phones: a contact needs at least one phone number"),
        ("calling.shared_may_call", ["everyone"], "calling.shared_may_call[0]: expected one of"),
        ("calling.blocked_prefixes", ["1900"], "calling.blocked_prefixes[0]: expected '+' and digits"),
        ("calling.allowed_countries", ["JP", "Japan"], "calling.allowed_countries[1]: expected a two-letter country"),
        ("calling.allowed_countries", ["XX"], "calling.allowed_countries[0]: expected a two-letter country"),
        ("calling.allowed_countries", "JP", "calling.allowed_countries: expected a list, got text"),
        ("visitors", [], "visitors: unknown field"),
        ("limits.calls_per_device_per_hour", 0, "limits.calls_per_device_per_hour: must be between 1 and 100000"),
        ("limits.bookings_per_user_per_day", "ten", "limits.bookings_per_user_per_day: expected a whole number"),
        ("limits.checkins_per_device_per_hour", 2.5, "limits.checkins_per_device_per_hour: expected a whole number"),
        ("limits.notifications_per_host_per_hour", True, "limits.notifications_per_host_per_hour: expected a whole"),
        ("limits.calls_per_hour", 5, "limits.calls_per_hour: unknown field"),
        ("limits", [10], "limits: expected a mapping, got a list"),
    ],
)
def test_a_bad_field_is_named_by_its_path(path: str, value: Any, problem: str) -> None:
    # Given a valid document with one bad field
    doc = edit(path, value)

    # When it is parsed
    found = problems(doc)

    # Then the problem names the field
    assert any(p.startswith(problem) for p in found), found


def test_allowed_countries_are_read_upper_case_and_exported_only_when_given() -> None:
    # Given a fleet whose calls may reach Japan and the US, and one that does not say
    given = parse_fleet(edit("calling.allowed_countries", ["jp", "US", "JP"]))
    default = parse_fleet(office())

    # When both are exported
    given_doc, default_doc = fleet_to_doc(given)["calling"], fleet_to_doc(default)["calling"]

    # Then the list is kept once per country, and the default (the site's country) stays implicit
    assert given.calling.allowed_countries == ("JP", "US")
    assert given_doc["allowed_countries"] == ["JP", "US"] and parse_fleet({**office(), "calling": given_doc}) == given
    assert default.calling.allowed_countries == () and "allowed_countries" not in default_doc


def test_limits_not_given_are_the_defaults_and_all_four_are_exported() -> None:
    # Given a fleet that sets one limit, and one that sets none
    given = parse_fleet(office())
    default = parse_fleet({k: v for k, v in office().items() if k != "limits"})

    # When they are exported
    exported = fleet_to_doc(given)["limits"]

    # Then the one set is kept, the others are the contract's defaults, and the export applies back as it was
    assert given.limits == Limits(calls_per_device_per_hour=5)
    assert default.limits == Limits() == Limits(20, 30, 10, 10, 10)
    assert exported == {
        "calls_per_device_per_hour": 5,
        "checkins_per_device_per_hour": 30,
        "notifications_per_host_per_hour": 10,
        "bookings_per_user_per_day": 10,
        "problems_per_device_per_hour": 10,
    }
    assert parse_fleet({**office(), "limits": exported}) == given


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (
            "rooms.0.calendar",
            "http://169.254.169.254/latest/meta-data/",
            "rooms[0].calendar: refused (metadata address)",
        ),
        ("rooms.0.calendar", "http://[fd00:ec2::254]/", "rooms[0].calendar: refused (metadata address)"),
        ("rooms.0.calendar", "https://10.1.2.3/fuji.ics", "rooms[0].calendar: refused (private address)"),
        ("rooms.0.calendar", "http://[::ffff:192.168.0.7]/x", "rooms[0].calendar: refused (private address)"),
        ("rooms.0.calendar", "http://127.0.0.1:8080/fuji.ics", "rooms[0].calendar: refused (loopback address)"),
        ("rooms.0.calendar", "http://2130706433/fuji.ics", "rooms[0].calendar: refused (loopback address)"),
        ("rooms.0.calendar", "http://localhost/fuji.ics", "rooms[0].calendar: refused (loopback address)"),
        ("rooms.0.calendar", "http://[fe80::1]/x.ics", "rooms[0].calendar: refused (link-local address)"),
        ("rooms.0.calendar", "./feeds/fuji.ics", "rooms[0].calendar: refused (file feeds are read only by the local"),
        ("rooms.0.calendar", "file:///etc/passwd", "rooms[0].calendar: refused (file feeds are read only by the local"),
        ("users.0.calendar", "http://0.0.0.0/x.ics", "users[0].calendar: refused (unspecified address)"),
        ("users.0.notify", [{"webhook": "http://100.64.0.1/hook"}], "users[0].notify[0].webhook: refused (private"),
        ("users.0.notify", [{"webhook": "http://[::1]:9000/hook"}], "users[0].notify[0].webhook: refused (loopback"),
    ],
)
def test_feed_and_webhook_urls_to_internal_addresses_are_refused(path: str, value: Any, problem: str) -> None:
    # Given a feed or webhook URL pointing inside the network, or at a file, in a fleet applied to AWS
    doc = edit(path, value)

    # When it is validated with the default (strict) egress policy / Then the field is named and refused
    found = problems(doc)
    assert any(p.startswith(problem) for p in found), found


def test_the_local_runtime_accepts_loopback_urls_and_files_but_never_private_addresses() -> None:
    # Given loopback and file feeds, and a metadata-service webhook
    local = edit("rooms.0.calendar", "http://127.0.0.1:8080/fuji.ics")
    local["rooms"][1]["calendar"] = "./feeds/aso.ics"
    metadata = edit("users.0.notify", [{"webhook": "http://169.254.169.254/hook"}])

    # When validated as the local runtime does / Then loopback and files pass, the metadata service never does
    assert parse_fleet(local, egress=LOCAL).rooms[1].calendar == "./feeds/aso.ics"
    with pytest.raises(FleetValidationError) as raised:
        parse_fleet(metadata, egress=LOCAL)
    assert raised.value.problems == [
        "users[0].notify[0].webhook: refused (metadata address): 'http://169.254.169.254/hook'"
    ]


def test_a_webhook_may_name_the_ssm_parameter_that_holds_it() -> None:
    fleet = parse_fleet(edit("users.0.notify", [{"webhook": "ssm:/office/webhooks/alice"}]))
    assert fleet.users[0].notify[0].address == "ssm:/office/webhooks/alice"


def test_a_misspelt_room_reference_names_the_device_entry() -> None:
    # Given a third device pointing at a room that does not exist
    doc = edit("devices.2", {"id": "amzn1.ask.device.X", "room": "fujii"})

    # When it is parsed
    found = problems(doc)

    # Then the message names the entry and the room
    assert found == ["devices[2].room: unknown room 'fujii'"]


def test_a_contact_with_only_a_bad_number_gets_one_problem() -> None:
    # Given a contact whose only phone number is invalid
    doc = edit("contacts.0.phones", {"office": "555"})

    # When it is parsed
    found = problems(doc)

    # Then the bad number is named, and not also a missing one
    assert found == ["contacts[0].phones.office: invalid phone number '555' for country JP"]


def test_every_problem_is_reported_at_once() -> None:
    # Given a document with three unrelated mistakes
    doc = edit("site.timezone", "Mars/Olympus")
    doc["rooms"][0]["capacity"] = -1
    doc["devices"][0]["room"] = "fujii"

    # When it is parsed
    found = problems(doc)

    # Then all three are named, not only the first
    assert [p.split(":")[0] for p in found] == ["site.timezone", "rooms[0].capacity", "devices[0].room"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "(top): expected a mapping"),
        ("# only a comment\n", "(top): expected a mapping"),
        ("- id: fuji\n- id: aso\n", "(top): expected a mapping"),
        ("just some text", "(top): expected a mapping"),
    ],
)
def test_a_file_that_is_not_a_mapping_is_rejected(text: str, problem: str) -> None:
    # Given a YAML file that is empty, a list or a scalar
    doc = yaml.safe_load(text)

    # When it is parsed
    found = problems(doc)

    # Then the one problem says what the file should be
    assert len(found) == 1 and found[0].startswith(problem)


def test_an_empty_mapping_is_an_empty_fleet_with_defaults() -> None:
    # Given a fleet file with nothing in it but a site
    fleet = parse_fleet({"site": {"name": "HQ"}})

    # Then it has no rooms and the default site settings
    assert fleet.rooms == ()
    assert (fleet.site.timezone, fleet.site.country, fleet.site.retention_days) == ("UTC", "US", 30)


# ---------------------------------------------------------------- many sites

SITES: dict[str, Any] = {
    "sites": [
        {
            "id": "tokyo",
            "name": "Tokyo HQ",
            "timezone": "Asia/Tokyo",
            "country": "JP",
            "retention_days": 30,
            "reception": "carol",
            "facilities": [{"email": "facilities@example.com"}, {"webhook": "ssm:/office-assistant/webhooks/fm"}],
            "open_hours": {"weekdays": "8:00-19:00", "saturday": ["09:00-12:00", "13:00-15:00"], "sunday": "closed"},
            "calling": {"shared_may_call": ["employees"]},
        },
        {"id": "nyc", "name": "New York", "timezone": "America/New_York", "country": "US", "end_of_day": "18:00"},
    ],
    "rooms": [
        {"id": "fuji", "site": "tokyo", "name": "Fuji", "phone": "03-1234-0005"},
        {"id": "hudson", "site": "nyc", "name": "Hudson", "phone": "212 555 0100"},
    ],
    "devices": [{"id": "amzn1.ask.device.HUDSON", "room": "hudson"}],
    "users": [
        {"id": "carol", "site": "tokyo", "name": "Carol Sato", "phones": {"mobile": "090-1234-5678"}},
        {"id": "dave", "site": "nyc", "name": "Dave Brown", "phones": {"mobile": "917 555 0199"}},
        {"id": "erin", "name": "Erin Lee"},
    ],
    "calling": {"shared_may_call": ["employees", "contacts"]},
}


def sites() -> dict[str, Any]:
    return copy.deepcopy(SITES)


def test_sites_are_read_with_their_zone_country_reception_facilities_hours_and_policy() -> None:
    # When a fleet of two sites is parsed
    fleet = parse_fleet(sites())

    # Then each site keeps what it states, the first is the fleet's site, and the top-level policy stays
    tokyo, nyc = fleet.sites
    assert fleet.site == tokyo and [s.id for s in fleet.every_site] == ["tokyo", "nyc"]
    assert (tokyo.timezone, tokyo.country, tokyo.reception) == ("Asia/Tokyo", "JP", "carol")
    assert tokyo.facilities == (
        NotifyTarget("email", "facilities@example.com"),
        NotifyTarget("webhook", "ssm:/office-assistant/webhooks/fm"),
    )
    assert tokyo.calling is not None and tokyo.calling.shared_may_call == ("employees",)
    assert nyc.calling is None and nyc.end_of_day == "18:00" and nyc.facilities == ()
    assert fleet.calling.shared_may_call == ("employees", "contacts")


def test_each_entry_reads_its_numbers_in_its_own_sites_country() -> None:
    # When rooms and users of a Japanese and an American site write national numbers
    fleet = parse_fleet(sites())

    # Then each is read in its own site's country; a user without a home site in the first site's
    phones = {room.id: room.phone for room in fleet.rooms}
    assert phones == {"fuji": "+81312340005", "hudson": "+12125550100"}
    assert {u.id: dict(u.phones) for u in fleet.users}["dave"] == {"mobile": "+19175550199"}
    assert {u.id: u.site for u in fleet.users} == {"carol": "tokyo", "dave": "nyc", "erin": None}


def test_open_hours_say_when_a_site_is_open_each_day() -> None:
    # Given Tokyo open on weekdays, two ranges on Saturday, closed on Sunday
    hours = parse_fleet(sites()).sites[0].open_hours
    assert hours is not None

    # Then a day's own name wins over weekdays, and a day nobody states is closed
    assert hours.on(0) == ((time(8), time(19)),)
    assert hours.on(5) == ((time(9), time(12)), (time(13), time(15)))
    assert hours.on(6) == ()
    daily = parse_fleet({"site": {"open_hours": {"daily": "00:00-24:00", "weekend": "closed"}}}).site.open_hours
    assert daily is not None and daily.on(3) == ((time(0), time(0)),) and daily.on(6) == ()


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("monday", "19:00-08:00", "sites[0].open_hours.monday: '19:00-08:00' ends before it starts"),
        ("tuesday", "8-9", "sites[0].open_hours.tuesday: expected HH:MM-HH:MM (e.g. 08:00-19:00), a list of them, "),
        ("funday", "closed", "sites[0].open_hours.funday: unknown day (expected one of: daily, weekdays, weekend, "),
        ("friday", ["08:00-12:00", "11:00-13:00"], "sites[0].open_hours.friday: its ranges overlap"),
        ("daily", "08:00-24:30", "sites[0].open_hours.daily: expected HH:MM-HH:MM"),
        ("weekend", 9, "sites[0].open_hours.weekend: expected HH:MM-HH:MM"),
    ],
)
def test_bad_open_hours_are_named_by_their_day(path: str, value: Any, problem: str) -> None:
    doc = sites()
    doc["sites"][0]["open_hours"] = {path: value}
    assert [p for p in problems(doc) if p.startswith(problem)], problems(doc)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["rooms"][1].update(site="osaka"), "rooms[1].site: unknown site 'osaka' (one of: tokyo, nyc)"),
        (
            lambda d: d["rooms"][0].pop("site"),
            "rooms[0].site: required when the fleet lists sites (one of: tokyo, nyc)",
        ),
        (lambda d: d["users"][2].update(site="paris"), "users[2].site: unknown site 'paris' (one of: tokyo, nyc)"),
        (lambda d: d["sites"][1].update(reception="zed"), "sites[1].reception: unknown user or contact 'zed'"),
        (lambda d: d["sites"][1].update(id="feed-secret"), "sites[1].id: 'feed-secret' is reserved: choose another id"),
        (lambda d: d["sites"][1].update(id="tokyo"), "sites[1].id: duplicate id 'tokyo' (also sites[0])"),
        (lambda d: d["sites"][0]["facilities"].append({"pager": "x"}), "sites[0].facilities[2].pager: unknown channel"),
        (lambda d: d.update(site={"name": "HQ"}), "sites: give either site (one site) or sites (several), not both"),
        (lambda d: d.update(sites=[]), "sites: list at least one site"),
        (
            lambda d: d["sites"][0]["calling"].update(shared_may_call=["everyone"]),
            "sites[0].calling.shared_may_call[0]",
        ),
    ],
)
def test_a_bad_site_or_site_reference_is_named_by_its_path(change: Any, problem: str) -> None:
    doc = sites()
    change(doc)
    assert [p for p in problems(doc) if p.startswith(problem)], problems(doc)


def test_the_one_site_form_is_the_site_main_and_names_no_other() -> None:
    # Given a one-site file whose site states facilities and open hours, and a room naming `main`
    doc = office()
    doc["site"] |= {"facilities": [{"email": "fm@example.com"}], "open_hours": {"weekdays": "09:00-18:00"}}
    doc["rooms"][0]["site"] = "main"

    # When it is parsed
    fleet = parse_fleet(doc)

    # Then its site is `main`, no room names a site, and naming another site is refused
    assert (fleet.site.id, fleet.sites, fleet.rooms[0].site) == ("main", (), None)
    assert fleet.site.facilities == (NotifyTarget("email", "fm@example.com"),)
    doc["rooms"][1]["site"] = "tokyo"
    assert problems(doc) == ["rooms[1].site: unknown site 'tokyo' (a fleet written with site: has only 'main')"]


def test_a_fleet_of_sites_round_trips_through_fleet_to_doc_in_its_own_form() -> None:
    # Given a fleet of two sites and a one-site one
    many, one = parse_fleet(sites()), parse_fleet(office())

    # When each is turned back into a document
    many_doc, one_doc = fleet_to_doc(many), fleet_to_doc(one)

    # Then each keeps its form (sites with their ids; the one site without one), hours as written, and parses
    # back to the same fleet
    assert "site" not in many_doc and [s["id"] for s in many_doc["sites"]] == ["tokyo", "nyc"]
    assert many_doc["sites"][0]["open_hours"] == {
        "weekdays": "08:00-19:00",
        "saturday": ["09:00-12:00", "13:00-15:00"],
        "sunday": "closed",
    }
    assert "sites" not in one_doc and "id" not in one_doc["site"]
    assert parse_fleet(many_doc) == many and parse_fleet(one_doc) == one
