"""The facilities rules: what of a spoken problem is kept, the problem's id, who is told and what they read."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from skill.domain.facilities import (
    MAX_PROBLEM_CHARS,
    Problem,
    clean_problem,
    facilities_plan,
    problem_id,
    problem_message,
)
from skill.domain.model import NotifyTarget, Room, Site

TOKYO = Site(id="tokyo", name="Tokyo HQ", timezone="Asia/Tokyo")
FUJI = Room("fuji", "Fuji", site="tokyo")


def test_control_and_format_characters_are_dropped_and_blanks_collapsed():
    # Given what a stranger could make a device hear: line breaks, escapes, bidi overrides, zero-width spaces
    said = "  the\tprojector\r\nis \x1b[31mbroken\u202e\u200b\x00  \u2028again "
    # When it is cleaned
    kept = clean_problem(said)
    # Then only the words are left, on one line
    assert kept == "the projector is [31mbroken again"
    assert not re.search(r"[\x00-\x1f\x7f\u200b\u202e\u2028]", kept)


def test_a_long_problem_is_cut_at_a_word_within_the_limit():
    said = " ".join(["flickering"] * 40)
    kept = clean_problem(said)
    assert len(kept) <= MAX_PROBLEM_CHARS and kept.endswith("flickering") and said.startswith(kept)


def test_a_problem_of_nothing_but_blanks_and_controls_is_empty():
    assert clean_problem(" \t\x07\u200b ") == "" and clean_problem(None) == ""


def test_the_id_is_short_readable_and_the_same_for_every_retry_of_a_request():
    first, again = problem_id("amzn1.echo-api.request.A"), problem_id("amzn1.echo-api.request.A")
    other = problem_id("amzn1.echo-api.request.B")
    assert first == again != other
    assert re.fullmatch(r"[a-z2-7]{8}", first)


def test_every_facilities_contact_of_the_site_is_in_the_one_stage():
    site = Site(id="tokyo", facilities=(NotifyTarget("email", "fm@example.com"), NotifyTarget("sms", "+819012345678")))
    [stage] = facilities_plan(site)
    assert (stage.recipient_id, stage.role) == ("facilities:tokyo", "facilities")
    assert stage.targets == site.facilities
    assert facilities_plan(Site(id="osaka")) == []


def test_the_message_names_the_room_the_site_and_the_time_in_the_sites_zone():
    problem = Problem("abcd2345", "fuji", "tokyo", "the projector is broken", datetime(2026, 12, 1, 1, 15, tzinfo=UTC))
    message = problem_message(problem, FUJI, TOKYO)
    assert message.subject == "Problem reported in Fuji (Tokyo HQ): the projector is broken"
    assert "Fuji at Tokyo HQ at 2026-12-01 10:15 (Asia/Tokyo): the projector is broken" in message.text
    assert "abcd2345" in message.text
    long = Problem("abcd2345", "fuji", "tokyo", "x" * 150, problem.reported_at)
    shortened = problem_message(long, FUJI, TOKYO)
    assert len(shortened.subject) < 100 and "x" * 150 in shortened.text
    assert problem_message(problem, FUJI, TOKYO, "ja-JP").subject.startswith("Tokyo HQのFujiで不具合の報告")
