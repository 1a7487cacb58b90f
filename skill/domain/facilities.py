"""Facilities: room problems reported by voice ("the projector is broken"), and who hears about them.

Pure rules: what of a spoken problem is kept (hostile input: control and format characters dropped, blanks
collapsed, at most MAX_PROBLEM_CHARS), the problem's short id (derived from the request that reported it, so a
retried request is one problem), the plan that tells the site's `facilities` contacts, and the text they read,
with the time in the site's zone.

A problem holds the room and the site, never who reported it.
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from skill.domain.model import Room, Site
from skill.domain.reception import Message, Stage

ProblemStatus = Literal["open", "resolved"]
MAX_PROBLEM_CHARS = 200
PROBLEM_ID_CHARS = 8


@dataclass(frozen=True)
class Problem:
    id: str
    room: str  # room id
    site: str  # site id
    problem: str  # what was said to be wrong, as `clean_problem` keeps it
    reported_at: datetime
    status: ProblemStatus = "open"
    resolved_at: datetime | None = None
    request_id: str | None = None  # the Alexa request that reported it (the correlation id of its notification)


def clean_problem(text: str | None) -> str:
    """What is kept of a spoken problem: no control, format or unassigned characters, blanks collapsed to one
    space, at most MAX_PROBLEM_CHARS (cut at a word when there is one to cut at). Empty when nothing is left."""
    kept = (char for char in text or "" if char.isspace() or unicodedata.category(char)[0] != "C")
    words = " ".join("".join(kept).split())
    if len(words) <= MAX_PROBLEM_CHARS:
        return words
    cut = words[: MAX_PROBLEM_CHARS + 1].rsplit(" ", 1)[0]
    return (cut if len(cut) >= MAX_PROBLEM_CHARS // 2 else words[:MAX_PROBLEM_CHARS]).rstrip()


def problem_id(request_id: str) -> str:
    """A short id, the same for every retry of one request: 8 lower-case base32 characters (letters and the
    digits 2 to 7, easy to read out and to type) of a hash of the request id."""
    digest = hashlib.sha256(request_id.encode()).digest()
    return base64.b32encode(digest).decode()[:PROBLEM_ID_CHARS].lower()


def facilities_recipient(site: Site) -> str:
    """Who a notification attempt was for, as the notification log names it: the site's facilities contacts."""
    return f"facilities:{site.id}"


def facilities_plan(site: Site) -> list[Stage]:
    """One stage: every facilities contact of the site is told (none when the site has none)."""
    targets = tuple(dict.fromkeys(site.facilities))
    return [Stage(facilities_recipient(site), targets, "facilities")] if targets else []


_TEXTS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "subject": "Problem reported in {room} ({site}): {problem}",
        "text": "A problem was reported in {room} at {site} at {time} ({zone}): {problem}\nProblem id: {id}",
    },
    "ja": {
        "subject": "{site}の{room}で不具合の報告: {problem}",
        "text": "{time}({zone})、{site}の{room}で不具合が報告されました: {problem}\n報告ID: {id}",
    },
}
SUBJECT_PROBLEM_CHARS = 60


def problem_message(problem: Problem, room: Room | None, site: Site, locale: str = "en-US") -> Message:
    """What the facilities contacts read: the room's name, the site's, the time in the site's zone, the text."""
    texts = _TEXTS.get(locale.split("-")[0].lower(), _TEXTS["en"])
    short = problem.problem
    if len(short) > SUBJECT_PROBLEM_CHARS:
        short = short[:SUBJECT_PROBLEM_CHARS].rstrip() + "…"
    values = {
        "room": room.name if room else problem.room,
        "site": site.name,
        "time": problem.reported_at.astimezone(ZoneInfo(site.timezone)).strftime("%Y-%m-%d %H:%M"),
        "zone": site.timezone,
        "id": problem.id,
    }
    return Message(
        subject=texts["subject"].format(problem=short, **values),
        text=texts["text"].format(problem=problem.problem, **values),
    )
