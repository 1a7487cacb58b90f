"""The usage items folded from stored facts, and the report's numbers worked out from them (skill/domain/usage.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from skill.domain.model import OpenHours, Room, Site
from skill.domain.usage import (
    DEFAULT_OPEN_HOURS,
    ProblemRow,
    ReportRangeError,
    UsageChange,
    UsageItems,
    build_report,
    fold_change,
    open_windows,
    report_range,
    room_brief,
    site_day_from_item,
    summaries_from_site_item,
    usage_changes,
)

TOKYO = Site(id="tokyo", timezone="Asia/Tokyo")
NYC = Site(id="nyc", timezone="America/New_York", open_hours=OpenHours((("daily", "09:00-17:00"),)))


class Sites:
    def site_of_room(self, room_id: str) -> Site | None:
        return {"fuji": TOKYO, "hudson": NYC}.get(room_id)

    def site(self, site_id: str) -> Site | None:
        return {"tokyo": TOKYO, "nyc": NYC}.get(site_id)


def booking(booking_id: str, start: str, end: str, status: str = "booked", room: str = "fuji", **more: Any) -> dict:
    day = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(UTC) + timedelta(hours=9)
    return {"PK": f"ROOMDAY#{room}#{day.date()}", "SK": f"BOOKING#{start}#{booking_id}", "id": booking_id,
            "room_id": room, "start": start, "end": end, "status": status, **more}  # fmt: skip


def folded(*records: tuple[str, dict | None, dict | None]) -> dict[tuple[str, str], dict[str, Any]]:
    items = UsageItems()
    for event, old, new in records:
        for change in usage_changes(event, old, new, Sites()):
            fold_change(items.apply, change, Sites())
    return items


# ----------------------------------------------------------------------------- folding


def test_a_booking_is_kept_by_id_on_its_rooms_local_day_and_its_last_state_wins() -> None:
    # Given a booking at 09:00 Tokyo (00:00 UTC), then checked in
    new = booking("b1", "2026-12-01T00:00:00Z", "2026-12-01T01:00:00Z")
    checked_in = {**new, "status": "checked_in", "checked_in_at": "2026-12-01T00:05:00Z"}
    # When both records are folded, and the first again (a replay)
    items = folded(("INSERT", None, new), ("MODIFY", new, checked_in), ("MODIFY", new, checked_in))
    # Then the room's day holds the booking once, as it stands now
    item = items[("USAGE#tokyo#2026-12-01", "ROOM#fuji")]
    assert item["b#b1"] == "2026-12-01T00:00:00Z|2026-12-01T01:00:00Z|checked_in|1"
    assert (item["room"], item["site"], item["date"], item["version"]) == ("fuji", "tokyo", "2026-12-01", 3)
    # And the site's day holds the room's day in brief, its latest version only: one booking of an hour, checked in
    assert items[("USAGE#tokyo#2026-12-01", "SITE")]["rooms"] == {"fuji|3|1|3600|0|0|1|0|1796083200-1796086800"}


def test_a_removed_feed_interval_is_withdrawn_and_a_removal_never_makes_an_item() -> None:
    busy = {"PK": "ROOMDAY#fuji#2026-12-01", "SK": "BUSY#2026-12-01T00:00:00Z#evt", "start": "2026-12-01T00:00:00Z",
            "end": "2026-12-01T01:00:00Z"}  # fmt: skip
    items = folded(("INSERT", None, busy), ("REMOVE", busy, None))
    assert [name for name in items[("USAGE#tokyo#2026-12-01", "ROOM#fuji")] if name.startswith("f#")] == []
    # A removal whose room day was never folded changes nothing at all
    assert usage_changes("REMOVE", busy, None, Sites())[0].put == {}


def test_a_visit_a_call_and_a_problem_count_once_by_id_on_the_sites_local_day() -> None:
    visit = {"PK": "VISITDAY#2026-12-01", "SK": "VISIT#2026-11-30T23:00:00Z#v1", "id": "v1", "site": "tokyo"}
    call = {"PK": "CALL#c1", "SK": "META", "id": "c1", "site": "nyc", "status": "placing",
            "created_at": "2026-12-02T03:00:00+00:00"}  # fmt: skip
    problem = {"PK": "PROBLEM#p1", "SK": "META", "kind": "problem", "id": "p1", "site": "tokyo",
               "reported_at": "2026-11-30T16:00:00Z", "status": "open"}  # fmt: skip
    resolved = {**problem, "status": "resolved"}
    items = folded(
        ("INSERT", None, visit),
        ("INSERT", None, visit),
        ("INSERT", None, call),
        ("INSERT", None, problem),
        ("MODIFY", problem, resolved),
        ("REMOVE", visit, None),  # expired by TTL: it still happened
    )
    # The call at 22:00 in New York on 1 December; the problem at 01:00 in Tokyo on 1 December
    assert items[("USAGE#tokyo#2026-12-01", "SITE")] == {
        "PK": "USAGE#tokyo#2026-12-01", "SK": "SITE", "visits": {"v1"}, "problems": {"p1"}, "resolved": {"p1"}
    }  # fmt: skip
    assert items[("USAGE#nyc#2026-12-01", "SITE")]["calls"] == {"c1"}


def test_a_refused_call_is_no_call_placed() -> None:
    call = {"PK": "CALL#c1", "SK": "META", "id": "c1", "site": "tokyo", "status": "placing",
            "created_at": "2026-12-01T03:00:00+00:00"}  # fmt: skip
    items = folded(("INSERT", None, call), ("MODIFY", call, {**call, "status": "refused"}))
    assert "calls" not in items[("USAGE#tokyo#2026-12-01", "SITE")]


@pytest.mark.parametrize(
    "item",
    [
        {"PK": "USAGE#tokyo#2026-12-01", "SK": "ROOM#fuji", "room": "fuji"},  # its own items
        {"PK": "ROOMDAY#fuji#2026-12-01", "SK": "SLOT#2026-12-01T00:00:00Z"},
        {"PK": "ROOMDAY#user:alice#2026-12-01", "SK": "BUSY#2026-12-01T00:00:00Z#x", "start": "a", "end": "b"},
        booking("b9", "2026-12-01T00:00:00Z", "2026-12-01T01:00:00Z", room="gone"),  # a room no longer in the fleet
        {"PK": "NOTIFY#v1", "SK": "user:alice#email"},
        {"PK": "PROBLEM#p1", "SK": "META", "kind": "something else"},
    ],
)
def test_what_is_no_fact_of_the_report_changes_nothing(item: dict[str, Any]) -> None:
    assert usage_changes("INSERT", None, item, Sites()) == []


# ----------------------------------------------------------------------------- the report


def report_of(*records: tuple[str, dict | None, dict | None], first: date, end: date, **more: Any) -> dict[str, Any]:
    items = folded(*records)
    site_items = [
        (pk.split("#")[1], date.fromisoformat(pk.split("#")[2]), i) for (pk, sk), i in items.items() if sk == "SITE"
    ]
    rooms = [summary for _, day, item in site_items for summary in summaries_from_site_item(day, item)]
    sites = [site_day_from_item(*each) for each in site_items]
    return build_report(
        first, end, [TOKYO, NYC], [Room("fuji", "Fuji", site="tokyo"), Room("hudson", "Hudson", site="nyc")],
        rooms, sites, more.get("problems", []),
    ).data  # fmt: skip


def test_a_booking_across_midnight_counts_once_on_its_first_day_and_its_time_on_each() -> None:
    # Given a booking in New York from 16:00 on Friday 4 December to 10:00 on Saturday (daily 09:00-17:00)
    start, end = "2026-12-04T21:00:00Z", "2026-12-05T15:00:00Z"
    first = {"PK": "ROOMDAY#hudson#2026-12-04", "SK": f"BOOKING#{start}#h1", "id": "h1", "room_id": "hudson",
             "start": start, "end": end, "status": "checked_in", "checked_in_at": start}  # fmt: skip
    second = {**first, "PK": "ROOMDAY#hudson#2026-12-05"}
    report = report_of(
        ("INSERT", None, first), ("INSERT", None, second), first=date(2026, 12, 4), end=date(2026, 12, 6)
    )
    hudson = next(r for r in report["rooms"] if r["room"] == "hudson")
    # Then it is one booking of 18 hours, busy 1 h on Friday and 1 h on Saturday of 16 open hours
    assert (hudson["bookings"], hudson["booked_hours"], hudson["checked_in"]) == (1, 18.0, 1)
    assert (hudson["open_hours"], hudson["utilisation"]) == (16.0, 0.125)
    assert [d["bookings"] for d in report["days"]] == [1, 0]


def test_open_hours_follow_the_sites_clock_over_a_change_of_time() -> None:
    # New York leaves summer time on 1 November 2026: 09:00-17:00 is still 8 hours, 14:00-22:00 UTC
    (window,) = open_windows(NYC, date(2026, 11, 1))
    assert window == (datetime(2026, 11, 1, 14, tzinfo=UTC), datetime(2026, 11, 1, 22, tzinfo=UTC))
    # A site without open hours is taken to be open on weekdays, 08:00-18:00
    assert DEFAULT_OPEN_HOURS.on(5) == ()
    assert open_windows(TOKYO, date(2026, 12, 1)) == [
        (datetime(2026, 11, 30, 23, tzinfo=UTC), datetime(2026, 12, 1, 9, tzinfo=UTC))
    ]
    assert open_windows(TOKYO, date(2026, 12, 5)) == []


def test_busy_time_never_counts_twice_and_utilisation_stays_within_one() -> None:
    # Given a booking and two calendar meetings all over one another, and busy time past closing
    b1 = booking("b1", "2026-11-30T23:00:00Z", "2026-12-01T09:00:00Z", status="checked_in")  # 08:00-18:00 Tokyo
    feed = [{"PK": "ROOMDAY#fuji#2026-12-01", "SK": f"BUSY#{s}#{n}", "start": s, "end": e}
            for n, (s, e) in enumerate([("2026-11-30T22:00:00Z", "2026-12-01T10:00:00Z"),
                                        ("2026-12-01T01:00:00Z", "2026-12-01T02:00:00Z")])]  # fmt: skip
    records = [("INSERT", None, b1), *(("INSERT", None, f) for f in feed)]
    fuji = report_of(*records, first=date(2026, 12, 1), end=date(2026, 12, 2))["rooms"][0]
    assert (fuji["utilisation"], fuji["calendar_busy_hours"], fuji["booked_hours"]) == (1.0, 12.0, 10.0)


def test_problems_are_those_of_the_range_and_those_still_open() -> None:
    rows = [
        ProblemRow("old-open", "fuji", "tokyo", "a chair", "open", "2026-11-01T00:00:00Z"),
        ProblemRow("old-done", "fuji", "tokyo", "a lamp", "resolved", "2026-11-01T00:00:00Z"),
        ProblemRow("new-done", "fuji", "tokyo", "the screen", "resolved", "2026-11-30T15:30:00Z"),  # 00:30 on 1 Dec
        ProblemRow("elsewhere", "x", "osaka", "a door", "open", "2026-12-01T00:00:00Z"),
    ]
    report = report_of(first=date(2026, 12, 1), end=date(2026, 12, 2), problems=rows)
    assert [p["id"] for p in report["problems"]] == ["old-open", "new-done"]
    assert set(report["problems"][0]) == {"id", "room", "problem", "status"}


@pytest.mark.parametrize(
    ("first", "end", "expected"),
    [
        (None, None, (date(2026, 11, 25), date(2026, 12, 2))),
        ("2026-11-01", None, (date(2026, 11, 1), date(2026, 11, 8))),
        (None, "2026-11-10", (date(2026, 11, 3), date(2026, 11, 10))),
        ("2026-01-01", "2027-01-01", (date(2026, 1, 1), date(2027, 1, 1))),
    ],
)
def test_a_report_covers_the_last_7_days_unless_told(first: str | None, end: str | None, expected: tuple) -> None:
    assert report_range(first, end, today=date(2026, 12, 1)) == expected


@pytest.mark.parametrize(
    ("first", "end", "message"),
    [
        ("yesterday", None, "--from: not a date (YYYY-MM-DD): 'yesterday'"),
        (None, "2026-02-30", "--to: not a date"),
        ("2026-12-01", "2026-12-01", "--to: 2026-12-01 must be after --from 2026-12-01"),
        ("2026-01-01", "2027-01-03", "--to: a report covers at most 366 days, not 367"),
    ],
)
def test_dates_that_make_no_range_are_refused_naming_the_argument(first: str, end: str | None, message: str) -> None:
    with pytest.raises(ReportRangeError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        report_range(first, end, today=date(2026, 12, 1))


def test_a_brief_outrun_by_a_later_change_gives_way_to_it() -> None:
    # Given a room's day changed twice, the first change's brief filed only after the second's
    items = UsageItems()
    new = booking("b1", "2026-12-01T00:00:00Z", "2026-12-01T01:00:00Z")
    (first,) = usage_changes("INSERT", None, new, Sites())
    (second,) = usage_changes("MODIFY", new, {**new, "status": "cancelled"}, Sites())
    late = items.apply(first)
    fold_change(items.apply, second, Sites())
    assert late is not None
    pk, brief = late["PK"], room_brief(late, TOKYO)
    items.apply(UsageChange(pk, "SITE", add={"rooms": frozenset({brief})}))
    assert items.apply(UsageChange(pk, "ROOM#fuji", put={"brief": brief}, at_version=late["version"])) is None
    # Then readers see the later state: no booking
    (summary,) = summaries_from_site_item(date(2026, 12, 1), items[(pk, "SITE")])
    assert (summary.bookings, summary.busy) == (0, ())
