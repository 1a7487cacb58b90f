"""Phone number normalisation and the rules on what may be dialled."""

from __future__ import annotations

import pytest

from skill.domain.dialing import (
    CallRefused,
    DialingError,
    DialPlan,
    check_dialable,
    is_emergency,
    to_e164,
)
from skill.domain.model import CallingPolicy

POLICY = CallingPolicy(shared_may_call=("employees", "contacts"), blocked_prefixes=("+1900", "+81 120"))


@pytest.mark.parametrize(
    ("text", "country", "expected"),
    [
        ("0312345678", "JP", "+81312345678"),  # spoken digits from AMAZON.PhoneNumber, national form
        ("03-1234-5678", "JP", "+81312345678"),
        ("+81 3-1234-5678", "US", "+81312345678"),
        ("(206) 555-0100", "US", "+12065550100"),
        ("tel:+49-30-1234567", "JP", "+49301234567"),
        ("81312345678", "US", "+81312345678"),  # "plus eight one ..." arrives without the plus
        ("030 1234567", "DE", "+49301234567"),
    ],
)
def test_to_e164_normalises_national_and_international_numbers(text: str, country: str, expected: str) -> None:
    # Given a number as said or written / When normalised / Then it is E.164
    assert to_e164(text, country) == expected


@pytest.mark.parametrize(("text", "reason"), [("hello", "unparsable"), ("12345", "invalid"), ("", "unparsable")])
def test_to_e164_rejects_what_is_not_a_phone_number(text: str, reason: str) -> None:
    # Given text that is no valid number / When normalised / Then the reason says why
    with pytest.raises(DialingError) as err:
        to_e164(text, "US")
    assert err.value.reason == reason


@pytest.mark.parametrize(
    ("raw", "country"),
    [("911", "US"), ("112", "JP"), ("110", "JP"), ("119", "JP"), ("999", "GB"), ("000", "AU"), ("08", "MX")],
)
def test_emergency_numbers_are_refused_before_conversion(raw: str, country: str) -> None:
    # Given an emergency number spoken on any site / When normalised / Then the call is refused
    assert is_emergency(raw, country)
    with pytest.raises(CallRefused) as err:
        to_e164(raw, country)
    assert err.value.reason == "emergency"


def test_site_country_emergency_numbers_count_too() -> None:
    # Given Germany's fire and ambulance number / Then it is an emergency number there, not in Japan
    assert is_emergency("112", "DE")
    assert is_emergency("1 1 0", "DE")  # German police
    assert not is_emergency("0312345678", "JP")


def test_check_dialable_refuses_emergency_raw_digits() -> None:
    # Given a raw dial string that was an emergency number / Then the call is refused whatever it became
    with pytest.raises(CallRefused) as err:
        check_dialable("+81312345678", country="JP", policy=POLICY, shared=False, target_kind="numbers", raw="110")
    assert err.value.reason == "emergency"


@pytest.mark.parametrize("e164", ["+19002345678", "+448712345678", "+448431234567"])
def test_premium_and_shared_cost_numbers_are_refused(e164: str) -> None:
    with pytest.raises(CallRefused) as err:
        check_dialable(e164, country="US", policy=CallingPolicy(), shared=False, target_kind="numbers")
    assert err.value.reason == "premium"


def test_blocked_prefixes_are_refused_even_when_written_with_spaces() -> None:
    with pytest.raises(CallRefused) as err:
        check_dialable("+81120123456", country="JP", policy=POLICY, shared=False, target_kind="numbers")
    assert err.value.reason == "blocked"


def test_shared_device_may_only_call_allowed_target_kinds() -> None:
    # Given a shared device and a policy allowing employees and contacts
    # When a free number is requested / Then it is refused; a contact number is fine
    with pytest.raises(CallRefused) as err:
        check_dialable("+12065550100", country="US", policy=POLICY, shared=True, target_kind="numbers")
    assert err.value.reason == "not_allowed_on_shared"
    check_dialable("+12065550100", country="US", policy=POLICY, shared=True, target_kind="contacts")
    check_dialable("+12065550100", country="US", policy=POLICY, shared=False, target_kind="numbers")


def test_unknown_target_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        check_dialable("+12065550100", country="US", policy=POLICY, shared=False, target_kind="friends")


def test_dial_plan_keeps_pauses_and_pound() -> None:
    plan = DialPlan(to="+81312345678", digits=",,123456789#")
    assert plan.digits == ",,123456789#"
    with pytest.raises(DialingError):
        DialPlan(to="+81312345678", digits="12;3")
    with pytest.raises(DialingError):
        DialPlan(to="0312345678")


@pytest.mark.parametrize(
    ("e164", "country", "what"),
    [
        ("+881612345678", "US", "Iridium satellite phone"),
        ("+870773123456", "JP", "Inmarsat satellite phone"),
        ("+80012345678", "US", "international freephone (a non-geographic range)"),
        ("+447012345678", "GB", "UK personal number"),
        ("+443001234567", "GB", "UK UAN"),
        ("+81570012345", "JP", "Japanese navi-dial UAN"),
    ],
)
def test_number_types_that_are_never_dialled_are_refused(e164: str, country: str, what: str) -> None:
    # Given a number whose type (from phonenumbers' metadata) is never dialled, in an allowed country
    policy = CallingPolicy(allowed_countries=("US", "JP", "GB"))

    # When it is checked from a personal device / Then it is refused for its type
    with pytest.raises(CallRefused) as err:
        check_dialable(e164, country=country, policy=policy, shared=False, target_kind="numbers")
    assert err.value.reason == "number_type", what


@pytest.mark.parametrize("e164", ["+18765551234", "+18095551234", "+442033215208"])
def test_a_number_abroad_is_refused_unless_its_country_is_allowed(e164: str) -> None:
    # Given a US site with no allowed_countries (only the site's country), and Jamaica, the Dominican
    # Republic and the UK as destinations / When checked / Then the call is refused for its country
    with pytest.raises(CallRefused) as err:
        check_dialable(e164, country="US", policy=CallingPolicy(), shared=False, target_kind="numbers")
    assert err.value.reason == "country"


def test_allowed_countries_open_the_destinations_they_name() -> None:
    # Given a Tokyo site that may call Japan and the US
    policy = CallingPolicy(allowed_countries=("JP", "US"))

    # When a US number and a Jamaican number are checked
    check_dialable("+12065550100", country="JP", policy=policy, shared=False, target_kind="numbers")
    with pytest.raises(CallRefused) as err:
        check_dialable("+18765551234", country="JP", policy=policy, shared=False, target_kind="numbers")

    # Then the US is dialled and Jamaica (also +1) is not
    assert err.value.reason == "country"
