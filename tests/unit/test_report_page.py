"""The report page (skill/adapters/report_page.py) as text: what a browser would load, and what it would show."""

from __future__ import annotations

import re

from skill.adapters.report_page import render_page
from skill.domain.usage import Report

DATA = {
    "from": "2026-12-01",
    "to": "2026-12-03",
    "rooms": [{"room": "fuji", "site": "main", "bookings": 2, "booked_hours": 2.0, "calendar_busy_hours": 3.5,
               "open_hours": 20.0, "utilisation": 0.2, "no_shows_released": 1, "ended_early": 1, "checked_in": 1}],
    "days": [{"date": "2026-12-01", "visits": 2, "calls_placed": 1, "bookings": 2, "problems": 1},
             {"date": "2026-12-02", "visits": 0, "calls_placed": 0, "bookings": 0, "problems": 0}],
    "problems": [{"id": "p1", "room": "fuji", "problem": '<script src="https://evil.example/x.js"></script>',
                  "status": "open"}],
}  # fmt: skip


def test_the_page_has_its_four_charts_and_loads_nothing() -> None:
    page = render_page(Report(DATA, {"fuji": [0.4, 0.0]}, [1, 0]))
    assert page.count("<svg") == 4
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';' in page
    assert [u for u in re.findall(r'(?:src|href)="([^"]*)"', page) if not u.startswith(("#", "data:"))] == []


def test_a_problem_reported_by_voice_is_shown_as_text_never_as_markup() -> None:
    page = render_page(Report(DATA, {"fuji": [0.4, 0.0]}, [1, 0]))
    assert "<script" not in page
    assert "&lt;script src=&quot;https://evil.example/x.js&quot;&gt;&lt;/script&gt;" in page


def test_a_report_with_no_rooms_and_no_problems_still_makes_a_page() -> None:
    empty = {**DATA, "rooms": [], "problems": []}
    page = render_page(Report(empty, {}, [0, 0]))
    assert page.count("<svg") == 4
    assert "no open problems" in page
