"""Who is speaking: callers built from the fleet, enrolment codes and claims (in-memory fakes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import FixedClock, InMemoryFleetStore

from skill.domain.errors import ClaimError, NotFoundError
from skill.domain.model import CallerKind, Device, DeviceKind, Fleet, Room, Site, User
from skill.services.identity import IdentityService

TTL = timedelta(minutes=15)


@pytest.fixture
def store(office_fleet) -> InMemoryFleetStore:
    return InMemoryFleetStore.of(office_fleet)


@pytest.fixture
def identity(store) -> IdentityService:
    return IdentityService(store, claim_ttl=TTL)


def test_shared_room_device_with_a_recognised_voice(identity):
    caller = identity.caller("amzn1.ask.device.TESTROOM", "amzn1.ask.account.X", "amzn1.ask.person.TESTALICE")
    assert caller.kind is CallerKind.SHARED
    assert caller.room.id == "fuji"
    assert caller.person.id == "alice"
    assert caller.owner.id == "alice"
    assert caller.features == {"booking", "calling", "join-meeting", "facilities"}


def test_shared_device_without_a_recognised_voice_has_no_owner(identity):
    caller = identity.caller("amzn1.ask.device.TESTROOM", "amzn1.ask.account.X", "amzn1.ask.person.STRANGER")
    assert caller.is_shared and caller.owner is None


def test_lobby_device_has_its_groups_features(identity):
    caller = identity.caller("amzn1.ask.device.TESTLOBBY", None, None)
    assert caller.features == {"reception", "calling", "facilities"}


def test_personal_device_knows_its_user(identity):
    caller = identity.caller("amzn1.ask.device.TESTDESK", None, None)
    assert caller.kind is CallerKind.PERSONAL and caller.user.id == "alice" and caller.owner.id == "alice"


def test_enrolled_account_on_any_device_is_personal(identity):
    caller = identity.caller("amzn1.ask.device.ELSEWHERE", "amzn1.ask.account.TESTALICE", None)
    assert caller.kind is CallerKind.PERSONAL and caller.user.id == "alice"


def test_unknown_device_is_unknown(identity):
    caller = identity.caller("amzn1.ask.device.ELSEWHERE", "amzn1.ask.account.X", None)
    assert caller.kind is CallerKind.UNKNOWN and caller.room is None and caller.user is None


def test_device_whose_room_was_removed_is_unknown(identity, store):
    store.delete_doc("room", "fuji")
    assert identity.caller("amzn1.ask.device.TESTROOM", None, None).kind is CallerKind.UNKNOWN


def test_enrolment_code_is_reused_then_claimed(identity):
    now = FixedClock().now()
    code = identity.enrolment_code("amzn1.ask.device.NEW", now)
    assert len(code) == 6 and code.isdigit()
    assert identity.enrolment_code("amzn1.ask.device.NEW", now) == code
    device = identity.claim(code, now, room="everest")
    assert device.id == "amzn1.ask.device.NEW"
    assert identity.caller("amzn1.ask.device.NEW", None, None).room.id == "everest"


def test_expired_or_unknown_codes_claim_nothing(identity, store):
    now = FixedClock().now()
    code = identity.enrolment_code("amzn1.ask.device.NEW", now)
    with pytest.raises(ClaimError):
        identity.claim(code, now + TTL + timedelta(seconds=1), room="fuji")
    with pytest.raises(ClaimError):
        identity.claim("000000", now, room="fuji")
    assert "amzn1.ask.device.NEW" not in store.docs("device")


def test_claim_to_an_unknown_room_keeps_the_code(identity):
    now = FixedClock().now()
    code = identity.enrolment_code("amzn1.ask.device.NEW", now)
    with pytest.raises(NotFoundError):
        identity.claim(code, now, room="fujii")
    assert identity.claim(code, now, user="alice").user == "alice"


SITES = Fleet(
    sites=(Site(id="tokyo", timezone="Asia/Tokyo"), Site(id="nyc", timezone="America/New_York")),
    rooms=(Room("fuji", "Fuji", site="tokyo"), Room("hudson", "Hudson", site="nyc")),
    users=(
        User("bob", "Bob Chen", site="nyc", alexa_user_ids=("amzn1.ask.account.BOB",)),
        User("erin", "Erin Lee"),
    ),
    devices=(
        Device("amzn1.ask.device.HUDSON", DeviceKind.SHARED, room="hudson"),
        Device("amzn1.ask.device.BOB", DeviceKind.PERSONAL, user="bob"),
        Device("amzn1.ask.device.ERIN", DeviceKind.PERSONAL, user="erin"),
    ),
)


@pytest.mark.parametrize(
    ("device", "account", "site"),
    [
        ("amzn1.ask.device.HUDSON", None, "nyc"),  # a room's device: the room's site
        ("amzn1.ask.device.BOB", None, "nyc"),  # a personal device: its user's home site
        ("amzn1.ask.device.ERIN", None, "tokyo"),  # a user without a home site: the first site
        ("amzn1.ask.device.ELSEWHERE", "amzn1.ask.account.BOB", "nyc"),  # an enrolled account: its user's
    ],
)
def test_a_caller_is_at_the_site_of_its_device(device: str, account: str | None, site: str) -> None:
    identity = IdentityService(InMemoryFleetStore.of(SITES), claim_ttl=TTL)
    caller = identity.caller(device, account, None)
    assert caller.is_known and caller.site.id == site
    assert caller.site.timezone == {"tokyo": "Asia/Tokyo", "nyc": "America/New_York"}[site]


def test_a_device_registered_or_claimed_is_stored_with_its_site() -> None:
    # Given the two-site fleet
    store = InMemoryFleetStore.of(SITES)
    identity = IdentityService(store, claim_ttl=TTL)
    now = FixedClock().now()

    # When a device is registered in Fuji, and one claimed for Bob
    identity.register(Device("amzn1.ask.device.FUJI", DeviceKind.SHARED, room="fuji"))
    identity.claim(identity.enrolment_code("amzn1.ask.device.NEW", now), now, user="bob")

    # Then each is stored at its site, and answers there
    assert store.docs("device")["amzn1.ask.device.FUJI"]["site"] == "tokyo"
    assert store.docs("device")["amzn1.ask.device.NEW"]["site"] == "nyc"
    assert identity.caller("amzn1.ask.device.NEW", None, None).site.id == "nyc"
