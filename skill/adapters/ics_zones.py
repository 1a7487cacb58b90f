"""Time-zone names that calendar feeds carry in TZID, as zones.

Outlook, Outlook on the web and Exchange often name a zone the Windows way and leave the VTIMEZONE block
out. A Windows *standard* name ("Tokyo Standard Time") is resolved through icalendar's Windows-to-Olson
table, which follows CLDR's windowsZones. A *display* name ("(UTC+09:00) Osaka, Sapporo, Tokyo") is in no
maintained table, so it is matched: to the standard name it spells ("(UTC-05:00) Eastern Time (US &
Canada)" is "Eastern Standard Time"), else to a zone named after one of its cities, in both cases only
among zones whose standard offset is the one it states; failing both, it is that fixed offset. A name
that says nothing usable resolves to None: the caller must not guess (least of all the site's zone).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

_DISPLAY = re.compile(
    r"\(\s*(?:UTC|GMT)\s*(?:(?P<sign>[+-])\s*(?P<hours>\d{1,2}):?(?P<minutes>\d{2})?)?\s*\)\s*(?P<label>.*)"
)
_PARENTHESES = re.compile(r"\([^)]*\)")
_SEPARATORS = re.compile(r",|&|\band\b")


@functools.lru_cache(maxsize=512)
def zone_for(tzid: str) -> tzinfo | None:
    """The zone a TZID names: an IANA name, a Windows standard name, or a Windows display name."""
    name = tzid.strip().strip('"').strip("/").strip()
    if not name:
        return None
    iana = _iana(name) or _iana(_windows_to_olson().get(name, ""))
    if iana is not None:
        return iana
    display = _DISPLAY.fullmatch(name)
    if display is None:
        return None
    hours, minutes = int(display["hours"] or 0), int(display["minutes"] or 0)
    if hours > 14 or minutes >= 60:
        return None
    offset = timedelta(hours=hours, minutes=minutes) * (-1 if display["sign"] == "-" else 1)
    return _by_standard_name(display["label"], offset) or _by_city(display["label"], offset) or _fixed(offset)


def _iana(name: str) -> ZoneInfo | None:
    if not name or name.startswith(".") or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _windows_to_olson() -> Mapping[str, str]:
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    return WINDOWS_TO_OLSON


def _words(text: str) -> str:
    return " ".join(text.casefold().replace("_", " ").replace(".", " ").replace("'", "").split())


def _by_standard_name(label: str, offset: timedelta) -> ZoneInfo | None:
    """The zone of the standard name the label spells: "Eastern Time" for "Eastern Standard Time"."""
    spelt = _words(_PARENTHESES.sub(" ", label))
    for standard, olson in _windows_to_olson().items():
        if _words(standard.replace(" Standard Time", " Time")) == spelt:
            zone = _iana(olson)
            if zone is not None and _standard_offset(olson) == offset:
                return zone
    return None


def _by_city(label: str, offset: timedelta) -> ZoneInfo | None:
    """The zone named after the first city of the label that names one, at the stated standard offset."""
    cities = _cities_at(offset)
    for part in _SEPARATORS.split(_PARENTHESES.sub(" ", label)):
        found = cities.get(_words(part))
        if found is not None:
            return ZoneInfo(found)
    return None


@functools.lru_cache(maxsize=64)
def _cities_at(offset: timedelta) -> dict[str, str]:
    """City (the last part of a zone's name, in words) -> zone name, for zones at `offset` in standard time."""
    cities: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" in name and _standard_offset(name) == offset:
            cities.setdefault(_words(name.rsplit("/", 1)[1]), name)
    return cities


@functools.lru_cache(maxsize=1024)
def _standard_offset(name: str) -> timedelta | None:
    """A zone's offset without daylight saving this year (the smaller of January's and July's)."""
    zone = _iana(name)
    if zone is None:
        return None
    year = datetime.now(UTC).year
    offsets = [datetime(year, month, 15, 12, tzinfo=UTC).astimezone(zone).utcoffset() for month in (1, 7)]
    return min(offset for offset in offsets if offset is not None)


def _fixed(offset: timedelta) -> tzinfo:
    if not offset:
        return UTC
    sign = "-" if offset < timedelta(0) else "+"
    hours, rest = divmod(abs(offset), timedelta(hours=1))
    return timezone(offset, f"UTC{sign}{hours:02d}:{rest // timedelta(minutes=1):02d}")
