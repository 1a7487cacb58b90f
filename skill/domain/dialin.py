"""Dial-in details found in meeting invitations (Zoom, Teams, Webex, Chime, Google Meet, GoTo, tel: links).

`find_dial_in` reads the text of an invitation and returns the number to ring and the DTMF sequence that
gets the caller into the meeting; in that sequence ',' is a pause of about one second.

Only a recognised meeting provider's dial-in counts: a number (or a `tel:` link) after the provider's
marker ("Microsoft Teams meeting", "zoom.us", "Google Meet joining info"...), in the provider's block.
A bare number elsewhere in an event ("Lunch chat. Call +1 876 555 1234") is anyone's number, not a
bridge, and is never returned.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phonenumbers import PhoneNumber

PROVIDER_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("zoom", ("zoom.us", "zoom meeting", "zoom ミーティング")),
    ("teams", ("teams.microsoft.com", "microsoft teams", "teams.live.com")),
    ("webex", ("webex.com", "webex")),
    ("chime", ("chime.aws", "amazon chime")),
    ("meet", ("meet.google.com", "google meet")),
    ("gotomeeting", ("gotomeeting.com", "meet.goto.com", "goto meeting", "gotomeeting")),
)

# Labels in front of the number that identifies the meeting on the phone bridge, per provider.
MEETING_ID_LABELS: dict[str, tuple[str, ...]] = {
    "zoom": ("meeting id", "meeting-id", "ミーティング id", "ミーティングid", "id de réunion"),
    "teams": (
        "phone conference id",
        "phone conference",
        "konferenz-id",
        "telefonkonferenz-id",
        "電話会議 id",
        "電話会議id",
        "会議 id",
        "id de conférence",
    ),
    "webex": (
        "access code",
        "meeting number",
        "meeting-kennnummer",
        "zugriffscode",
        "アクセス コード",
        "ミーティング番号",
    ),
    "chime": ("meeting id", "meeting pin", "ミーティング id"),
    "gotomeeting": ("access code", "zugangscode", "アクセス コード"),
}
PIN_LABELS: dict[str, tuple[str, ...]] = {
    "zoom": ("passcode", "password", "kenncode", "パスコード", "パスワード", "code secret"),
    "webex": ("numeric password", "attendee password", "numerisches passwort", "数字パスワード"),
    "meet": ("pin", "code", "ピン"),
}
# DTMF templates: ',' waits about a second for the bridge to speak its prompt.
TEMPLATES: dict[str, tuple[str, str]] = {  # provider -> (without pin, with pin)
    "zoom": (",,{id}#", ",,{id}#,,,,*{pin}#"),
    "teams": (",,{id}#", ",,{id}#"),
    "webex": (",,{id}##", ",,{id}#{pin}#"),
    "chime": (",,{id}#", ",,{id}#"),
    "gotomeeting": (",,{id}#", ",,{id}#"),
    "meet": (",,{pin}#", ",,{pin}#"),
}

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\ufeff"))
_ONE_TAP = re.compile(
    r"(?:tel:)?(?P<number>\+?\d[\d \t().\-]{4,24}\d)(?P<tones>[,;]+[0-9*#,;]*[0-9#])",
)
_DIGITS = r"(\d[\d \t\-]{2,}\d|\d{3,})"


@dataclass(frozen=True)
class DialIn:
    number: str  # E.164
    meeting_id: str | None = None
    pin: str | None = None
    provider: str | None = None
    tones: str | None = None  # the DTMF part of a one-tap link

    @property
    def digits(self) -> str:
        """DTMF to send once the bridge answers, with the pauses the provider needs; "" if none."""
        template = TEMPLATES.get(self.provider or "")
        if template and (self.meeting_id or self.pin):
            pattern = template[1] if self.pin else template[0]
            return pattern.format(id=self.meeting_id or "", pin=self.pin or "")
        return self.tones or ""


@dataclass(frozen=True)
class _Candidate:
    number: PhoneNumber
    position: int
    tones: str | None


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).replace("\u00a0", " ")


def _provider(text: str) -> tuple[str, int] | None:
    """The meeting provider named in the text and where its block begins: the start of the line of its
    first marker."""
    for name, markers in PROVIDER_MARKERS:
        found = [m.start() for m in (re.search(re.escape(marker), text, re.IGNORECASE) for marker in markers) if m]
        if found:
            return name, text.rfind("\n", 0, min(found)) + 1
    return None


def _labelled_digits(lowered: str, labels: tuple[str, ...]) -> str | None:
    for label in labels:
        pattern = re.escape(label) + r"\s*(?:\([^)\n]*\))?\s*[:：]?\s*" + _DIGITS
        for found in re.finditer(pattern, lowered):
            if not re.match(r"[a-z]", lowered[found.end(1) : found.end(1) + 1]):
                return re.sub(r"\D", "", found.group(1))
    return None


def _phone(raw: str, country: str) -> PhoneNumber | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _candidates(text: str, country: str, excluded: set[str]) -> list[_Candidate]:
    import phonenumbers

    found: list[_Candidate] = []
    for one_tap in _ONE_TAP.finditer(text):
        number = _phone(one_tap.group("number"), country)
        if number is not None:
            tones = one_tap.group("tones").replace(";", ",")
            found.append(_Candidate(number, one_tap.start(), tones))
    for match in phonenumbers.PhoneNumberMatcher(text, country, leniency=phonenumbers.Leniency.VALID):
        if re.sub(r"\D", "", match.raw_string) in excluded:
            continue
        found.append(_Candidate(match.number, match.start, None))
    return found


def _ids_from_tones(tones: str, provider: str | None) -> tuple[str | None, str | None]:
    groups = re.findall(r"\*?(\d+)", tones)
    if not groups:
        return None, None
    if provider == "meet":
        return None, groups[0]
    return groups[0], groups[1] if len(groups) > 1 else None


def find_dial_in(text: str, country: str, also: Sequence[str] = ()) -> DialIn | None:
    """The dial-in of a recognised meeting provider's block, preferring a number in the site's `country`,
    then one in the countries `also` names; None if the text names no provider or its block has no number."""
    import phonenumbers

    normalised = _normalise(text)
    found = _provider(normalised)
    if found is None:
        return None
    provider, block_start = found
    normalised = normalised[block_start:]
    lowered = normalised.lower()
    meeting_id = _labelled_digits(lowered, MEETING_ID_LABELS.get(provider, ()))
    pin = _labelled_digits(lowered, PIN_LABELS.get(provider, ()))
    candidates = _candidates(normalised, country.upper(), {value for value in (meeting_id, pin) if value})
    if not candidates:
        return None
    ranks = {code.upper(): rank for rank, code in enumerate([country, *also])}
    best = min(
        candidates,
        key=lambda c: (
            ranks.get(phonenumbers.region_code_for_number(c.number) or "", len(ranks)),
            c.tones is None,
            c.position,
        ),
    )
    tap_id, tap_pin = _ids_from_tones(best.tones or "", provider)
    return DialIn(
        number=phonenumbers.format_number(best.number, phonenumbers.PhoneNumberFormat.E164),
        meeting_id=tap_id or meeting_id,
        pin=tap_pin or pin,
        provider=provider,
        tones=best.tones,
    )
