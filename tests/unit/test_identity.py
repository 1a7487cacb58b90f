"""Who is speaking: callers built from the fleet, enrolment codes and claims (in-memory fakes)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fakes import InMemoryFleetStore
from support import FixedClock

from skill.domain.errors import ClaimError, NotFoundError
from skill.domain.model import CallerKind
from skill.services.identity import claim_device, enrolment_code, identify_caller

TTL = timedelta(minutes=15)


@pytest.fixture
def store(office_fleet) -> InMemoryFleetStore:
    return InMemoryFleetStore.of(office_fleet)


def test_shared_room_device_with_a_recognised_voice(store):
    caller = identify_caller(store, "amzn1.ask.device.TESTROOM", "amzn1.ask.account.X", "amzn1.ask.person.TESTALICE")
    assert caller.kind is CallerKind.SHARED
    assert caller.room.id == "fuji"
    assert caller.person.id == "alice"
    assert caller.owner.id == "alice"
    assert caller.features == {"booking", "calling", "join-meeting"}


def test_shared_device_without_a_recognised_voice_has_no_owner(store):
    caller = identify_caller(store, "amzn1.ask.device.TESTROOM", "amzn1.ask.account.X", "amzn1.ask.person.STRANGER")
    assert caller.is_shared and caller.owner is None


def test_lobby_device_has_its_groups_features(store):
    caller = identify_caller(store, "amzn1.ask.device.TESTLOBBY", None, None)
    assert caller.features == {"reception", "calling"}


def test_personal_device_knows_its_user(store):
    caller = identify_caller(store, "amzn1.ask.device.TESTDESK", None, None)
    assert caller.kind is CallerKind.PERSONAL and caller.user.id == "alice" and caller.owner.id == "alice"


def test_enrolled_account_on_any_device_is_personal(store):
    caller = identify_caller(store, "amzn1.ask.device.ELSEWHERE", "amzn1.ask.account.TESTALICE", None)
    assert caller.kind is CallerKind.PERSONAL and caller.user.id == "alice"


def test_unknown_device_is_unknown(store):
    caller = identify_caller(store, "amzn1.ask.device.ELSEWHERE", "amzn1.ask.account.X", None)
    assert caller.kind is CallerKind.UNKNOWN and caller.room is None and caller.user is None


def test_device_whose_room_was_removed_is_unknown(store):
    store.delete_doc("room", "fuji")
    assert identify_caller(store, "amzn1.ask.device.TESTROOM", None, None).kind is CallerKind.UNKNOWN


def test_enrolment_code_is_reused_then_claimed(store):
    now = FixedClock().now()
    code = enrolment_code(store, "amzn1.ask.device.NEW", now, TTL)
    assert len(code) == 6 and code.isdigit()
    assert enrolment_code(store, "amzn1.ask.device.NEW", now, TTL) == code
    device = claim_device(store, code, now, room="everest")
    assert device.id == "amzn1.ask.device.NEW"
    assert identify_caller(store, "amzn1.ask.device.NEW", None, None).room.id == "everest"


def test_expired_or_unknown_codes_claim_nothing(store):
    now = FixedClock().now()
    code = enrolment_code(store, "amzn1.ask.device.NEW", now, TTL)
    with pytest.raises(ClaimError):
        claim_device(store, code, now + TTL + timedelta(seconds=1), room="fuji")
    with pytest.raises(ClaimError):
        claim_device(store, "000000", now, room="fuji")
    assert "amzn1.ask.device.NEW" not in store.docs("device")


def test_claim_to_an_unknown_room_keeps_the_code(store):
    now = FixedClock().now()
    code = enrolment_code(store, "amzn1.ask.device.NEW", now, TTL)
    with pytest.raises(NotFoundError):
        claim_device(store, code, now, room="fujii")
    assert claim_device(store, code, now, user="alice").user == "alice"
