"""Zone names from calendar feeds: IANA names, Windows standard names, Windows display names."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from skill.adapters.ics_zones import zone_for


@pytest.mark.parametrize(
    ("tzid", "zone"),
    [
        ("Tokyo Standard Time", "Asia/Tokyo"),
        ("(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
        ("(UTC+09:00) Osaka, Sapporo, Tokyo", "Asia/Tokyo"),
        ("(UTC-06:00) Central Time (US & Canada)", "America/Chicago"),
        ("(UTC-06:00) Guadalajara, Mexico City, Monterrey", "America/Mexico_City"),
        ("(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", "Asia/Kolkata"),
        ("(GMT-08:00) Pacific Time (US & Canada)", "America/Los_Angeles"),
        ("(UTC-10:00) Hawaii", "US/Hawaii"),
        ("Europe/Berlin", "Europe/Berlin"),
    ],
)
def test_windows_zone_names_resolve_to_their_iana_zone(tzid: str, zone: str) -> None:
    assert zone_for(tzid) == ZoneInfo(zone)


@pytest.mark.parametrize(
    ("tzid", "offset"),
    [("(UTC) Coordinated Universal Time", 0), ("(UTC-03:00) Brasilia", -180), ("(UTC+04:30) Somewhere New", 270)],
)
def test_a_display_name_matching_no_zone_is_the_offset_it_states(tzid: str, offset: int) -> None:
    found = zone_for(tzid)
    assert found is not None and found.utcoffset(None) == timedelta(minutes=offset)


@pytest.mark.parametrize("tzid", ["Customized Time Zone", "(UTC+99:00) Nowhere", "", "../../etc/passwd"])
def test_a_name_that_places_nothing_resolves_to_no_zone(tzid: str) -> None:
    assert zone_for(tzid) is None
