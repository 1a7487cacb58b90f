"""Phone numbers for outgoing calls: E.164 normalisation and the rules on what may be dialled.

`to_e164` turns what a person said or typed into E.164; `check_dialable` refuses emergency, premium and
blocked numbers, and on shared devices any kind of target the calling policy does not allow. Every refusal
carries a stable `reason` key that speech and the CLI turn into words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from skill.domain.errors import DomainError

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

    from skill.domain.model import CallingPolicy

# Dialled as-is these reach emergency services somewhere; calls to them are never placed by a bot.
EMERGENCY_NUMBERS = frozenset({"911", "112", "110", "119", "999", "000", "08"})
DTMF_CHARACTERS = frozenset("0123456789*#ABCD,")
TARGET_KINDS = ("employees", "contacts", "numbers")


class DialingError(DomainError):
    """A number that cannot be dialled; `reason` is a stable key ("unparsable", "invalid", ...)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CallRefused(DialingError):
    """A valid number that policy forbids: "emergency", "premium", "blocked" or "not_allowed_on_shared"."""


class DialerError(DomainError):
    """The telephony provider did not take the call; `retryable` says whether trying later may work."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class CallOutcomeUnknown(DialerError):
    """The request reached the provider but its answer did not come in time: the call may ring, so it is
    neither reported as failed nor requested again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


@dataclass(frozen=True)
class DialPlan:
    """What to dial: the E.164 number and the DTMF digits to send once answered.

    In `digits`, ',' is a pause of about one second and '#' is sent as a key press.
    """

    to: str
    digits: str | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\+[1-9]\d{6,14}", self.to):
            raise DialingError("invalid")
        if self.digits is not None and (not self.digits or not set(self.digits) <= DTMF_CHARACTERS):
            raise DialingError("invalid_digits")


def _dialled_digits(raw: str) -> str:
    return re.sub(r"[^\d+]", "", raw)


def is_emergency(raw: str, country: str) -> bool:
    """True when `raw`, dialled from `country`, reaches emergency services."""
    import phonenumbers

    digits = _dialled_digits(raw)
    if digits.lstrip("+") in EMERGENCY_NUMBERS:
        return True
    return bool(digits) and not digits.startswith("+") and phonenumbers.is_emergency_number(digits, country)


def _parse(text: str, country: str) -> PhoneNumber:
    import phonenumbers

    cleaned = text.strip()
    if cleaned.lower().startswith("tel:"):
        cleaned = cleaned[4:]
    try:
        number = phonenumbers.parse(cleaned, country.upper())
    except phonenumbers.NumberParseException as exc:
        raise DialingError("unparsable") from exc
    if phonenumbers.is_valid_number(number):
        return number
    # Alexa reports "plus eight one three..." as bare digits: try them as an international number.
    digits = _dialled_digits(cleaned)
    if digits.isdigit():
        try:
            international = phonenumbers.parse("+" + digits)
        except phonenumbers.NumberParseException:
            international = None
        if international is not None and phonenumbers.is_valid_number(international):
            return international
    raise DialingError("invalid")


def to_e164(text: str, country: str) -> str:
    """The E.164 form of a number as spoken (digits), typed or written in an invitation.

    National numbers are read in the site's `country`. Raises `CallRefused("emergency")` for an emergency
    number (checked on the raw digits before any conversion) and `DialingError` when the text is not a
    valid phone number.
    """
    import phonenumbers

    if is_emergency(text, country):
        raise CallRefused("emergency")
    return str(phonenumbers.format_number(_parse(text, country), phonenumbers.PhoneNumberFormat.E164))


def check_dialable(
    e164: str,
    *,
    country: str,
    policy: CallingPolicy,
    shared: bool,
    target_kind: str,
    raw: str | None = None,
) -> None:
    """Raise `CallRefused` unless the caller may ring `e164`.

    `target_kind` is "employees", "contacts" or "numbers" (a number said aloud); `raw` is what was dialled
    before conversion, when there was such a thing.
    """
    import phonenumbers

    if target_kind not in TARGET_KINDS:
        raise ValueError(f"unknown target kind {target_kind!r}")
    if raw is not None and is_emergency(raw, country):
        raise CallRefused("emergency")
    number = _parse(e164, country)
    region = phonenumbers.region_code_for_number(number) or country
    if is_emergency(phonenumbers.national_significant_number(number), region):
        raise CallRefused("emergency")
    if phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
    ):
        raise CallRefused("premium")
    normalised = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    prefixes = ("+" + _dialled_digits(prefix).lstrip("+") for prefix in policy.blocked_prefixes)
    if any(normalised.startswith(prefix) for prefix in prefixes if prefix != "+"):
        raise CallRefused("blocked")
    if shared and target_kind not in policy.shared_may_call:
        raise CallRefused("not_allowed_on_shared")
