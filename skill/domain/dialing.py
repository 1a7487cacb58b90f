"""Phone numbers for outgoing calls: E.164 normalisation and the rules on what may be dialled.

`to_e164` turns what a person said or typed into E.164; `check_dialable` refuses emergency numbers, the
number types that are never dialled (phonenumbers' metadata: premium-rate, shared-cost, personal, UAN,
voicemail access, unknown, and non-geographic ranges such as satellite phones), destinations outside the
policy's `allowed_countries` (by default the site's country), blocked prefixes, and on shared devices any
kind of target the calling policy does not allow. Every refusal carries a stable `reason` key that speech
and the CLI turn into words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from skill.domain.errors import ReasonError

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

    from skill.domain.model import CallingPolicy

# Dialled as-is these reach emergency services somewhere; calls to them are never placed by a bot.
EMERGENCY_NUMBERS = frozenset({"911", "112", "110", "119", "999", "000", "08"})
DTMF_CHARACTERS = frozenset("0123456789*#ABCD,")
TARGET_KINDS = ("employees", "contacts", "numbers")
# phonenumbers.PhoneNumberType names: refused as "premium", and as "number_type".
PREMIUM_TYPES = ("PREMIUM_RATE", "SHARED_COST")
NEVER_DIALLED_TYPES = ("PERSONAL_NUMBER", "UAN", "VOICEMAIL", "UNKNOWN")


class DialingError(ReasonError):
    """A number that cannot be dialled; `reason` is a stable key ("unparsable", "invalid", ...)."""


class CallRefused(DialingError):
    """A valid number that policy forbids: "emergency", "premium", "number_type", "country", "blocked" or
    "not_allowed_on_shared"."""


class DialerError(ReasonError):
    """The telephony provider did not take the call; `retryable` says whether trying later may work."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
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


def check_destination(number: PhoneNumber, *, country: str, allowed_countries: Sequence[str]) -> None:
    """Raise `CallRefused` for a number of a type that is never dialled, or in a country not allowed.

    Types come from phonenumbers' metadata: premium-rate and shared-cost ("premium"); personal numbers,
    UAN, voicemail access, unknown ranges and non-geographic ranges (satellite phones such as +881 and
    +870, international networks) ("number_type"). `allowed_countries` empty means the site's `country`.
    """
    import phonenumbers

    kind = phonenumbers.number_type(number)
    if kind in {getattr(phonenumbers.PhoneNumberType, name) for name in PREMIUM_TYPES}:
        raise CallRefused("premium")
    region = phonenumbers.region_code_for_number(number)
    if kind in {getattr(phonenumbers.PhoneNumberType, name) for name in NEVER_DIALLED_TYPES} or region in (
        None,
        phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY,
    ):
        raise CallRefused("number_type")
    if region not in {code.upper() for code in allowed_countries or (country,)}:
        raise CallRefused("country")


def is_region(code: str) -> bool:
    """True when `code` is a two-letter region that phonenumbers knows (a country one may call)."""
    import phonenumbers

    return code.upper() in phonenumbers.SUPPORTED_REGIONS


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
    check_destination(number, country=country, allowed_countries=policy.allowed_countries)
    normalised = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    prefixes = ("+" + _dialled_digits(prefix).lstrip("+") for prefix in policy.blocked_prefixes)
    if any(normalised.startswith(prefix) for prefix in prefixes if prefix != "+"):
        raise CallRefused("blocked")
    if shared and target_kind not in policy.shared_may_call:
        raise CallRefused("not_allowed_on_shared")
