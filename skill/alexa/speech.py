"""Speech built in one place. The shared-device privacy rule lives here and nowhere else:
on a shared device no subject, organizer, attendee, PIN or phone number is spoken unless the
recognised person owns it, and private events are only ever "busy"."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from skill.alexa.messages import Ssml, message
from skill.capabilities import FEATURES
from skill.domain.model import Booking, BusyInterval, Caller, CallerKind, Room

if TYPE_CHECKING:
    from skill.services.rooms import NextMeeting, RoomStatus


def may_describe(caller: Caller, busy: BusyInterval) -> bool:
    """Whether the subject and organizer of `busy` may be spoken to this caller."""
    if busy.private:
        return False
    if caller.is_personal:
        return True
    owner = caller.owner
    return owner is not None and busy.organizer is not None and busy.organizer in (owner.id, owner.email, owner.name)


def hints(caller: Caller, locale: str) -> str:
    parts: list[str] = []
    for feature in FEATURES:  # in the order the capabilities are declared
        if not caller.allows(feature):
            continue
        if feature == "booking":
            parts.append(message(locale, "hint.booking.personal" if caller.is_personal else "hint.booking.shared"))
        elif feature == "reception" and caller.is_personal:
            continue
        else:
            parts.append(message(locale, f"hint.{feature}"))
    if not parts:
        return message(locale, "help.none")
    if len(parts) == 1:
        return message(locale, "hint.single", only=Ssml(parts[0]))
    separator = message(locale, "hint.separator")
    return message(locale, "hint.join", first=Ssml(separator.join(parts[:-1])), last=Ssml(parts[-1]))


def is_lobby(caller: Caller) -> bool:
    return caller.is_shared and caller.allows("reception") and not (caller.room and caller.room.bookable)


def launch(caller: Caller, locale: str) -> str:
    if is_lobby(caller):
        return message(locale, "launch.lobby", site=caller.site.name)
    if caller.is_shared and caller.room:
        return message(locale, "launch.room", room=caller.room.name, hints=Ssml(hints(caller, locale)))
    name = caller.user.first_name if caller.user else ""
    return message(locale, "launch.personal", name=name, hints=Ssml(hints(caller, locale)))


def help_text(caller: Caller, locale: str) -> str:
    if not caller.features:
        return message(locale, "help.none")
    return message(locale, "help.intro", hints=Ssml(hints(caller, locale)))


def enrolment(code: str, locale: str) -> str:
    return message(locale, "unknown.code", code=code)


JA_WEEKDAYS = ("月", "火", "水", "木", "金", "土", "日")


def spoken_date(day: date, locale: str) -> str:
    """A day as people say it: "Wednesday, December 2" or "12月2日 水曜日"."""
    if locale.startswith("ja"):
        return f"{day.month}月{day.day}日 {JA_WEEKDAYS[day.weekday()]}曜日"
    return f"{day:%A, %B} {day.day}"


def spoken_time(at: time, locale: str) -> str:
    """A clock time as people say it: "10:00 AM", "午後3時半", "正午"."""
    if locale.startswith("ja"):
        if (at.hour, at.minute) == (12, 0):
            return "正午"
        half = "午前" if at.hour < 12 else "午後"
        minutes = "" if at.minute == 0 else "半" if at.minute == 30 else f"{at.minute}分"
        return f"{half}{at.hour % 12}時{minutes}"
    return f"{at.hour % 12 or 12}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"


# --- rooms: times, lengths, status and the next meeting ------------------------------------------


def clock_words(moment: datetime, tz: str, locale: str) -> str:
    """`moment` as a clock time in the site's time zone, spoken per locale."""
    return spoken_time(moment.astimezone(ZoneInfo(tz)).time(), locale)


def when_words(moment: datetime, tz: str, now: datetime, locale: str) -> str:
    """ "at 2:30 PM" today, "tomorrow at 10:00 AM", or "on Tuesday, December 8 at 10:00 AM"."""
    zone = ZoneInfo(tz)
    day, today = moment.astimezone(zone).date(), now.astimezone(zone).date()
    clock = clock_words(moment, tz, locale)
    if day == today:
        return message(locale, "when.today", time=clock)
    if day == today + timedelta(days=1):
        return message(locale, "when.tomorrow", time=clock)
    return message(locale, "when.other", day=spoken_date(day, locale), time=clock)


def length_words(length: timedelta, locale: str) -> str:
    minutes = int(length.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return message(locale, "length.minutes", minutes=rest)
    if hours == 1:
        return message(locale, "length.hour_minutes", minutes=rest) if rest else message(locale, "length.hour")
    if rest:
        return message(locale, "length.hours_minutes", hours=hours, minutes=rest)
    return message(locale, "length.hours", hours=hours)


def _as_room_viewer(caller: Caller) -> Caller:
    """A room's meetings are not the caller's own: a personal device hears them as the room's device would
    with its owner recognised, so only the owner's own meetings are described."""
    return replace(caller, kind=CallerKind.SHARED, person=caller.user) if caller.is_personal else caller


def room_status(caller: Caller, status: RoomStatus, locale: str) -> str:
    """Busy until when, or free until when; the subject only when `may_describe` allows it."""
    tz, room = caller.timezone, status.room.name
    if status.busy is not None:
        until = clock_words(status.busy_until or status.busy.end, tz, locale)
        if status.busy.subject and may_describe(_as_room_viewer(caller), status.busy):
            text = message(locale, "status.busy_with", room=room, subject=status.busy.subject, until=until)
        else:
            text = message(locale, "status.busy", room=room, until=until)
    elif status.free_until is not None:
        text = message(locale, "status.free_until", room=room, until=clock_words(status.free_until, tz, locale))
    else:
        text = message(locale, "status.free_day", room=room)
    if status.stale_minutes is not None:
        text += message(locale, "status.stale", minutes=status.stale_minutes)
    return text


def checked_in(caller: Caller, booking: Booking, room: Room, locale: str) -> str:
    """A booking checked in, by "check in" or by starting the meeting: whose room it is until when."""
    return message(locale, "room.checked_in", room=room.name, until=clock_words(booking.end, caller.timezone, locale))


def room_card(caller: Caller, status: RoomStatus, locale: str) -> tuple[str, str, str]:
    """The room screen's texts: free or busy, until when, and the time of the next booking today.

    Times only: a screen in a room is seen by everyone there, so it never shows a subject or organizer.
    """
    tz = caller.timezone
    if status.busy is not None:
        state = message(locale, "card.busy")
        until = message(locale, "card.until", until=clock_words(status.busy_until or status.busy.end, tz, locale))
    else:
        state = message(locale, "card.free")
        if status.free_until is not None:
            until = message(locale, "card.until", until=clock_words(status.free_until, tz, locale))
        else:
            until = message(locale, "card.free_day")
    upcoming = status.next_busy
    if upcoming is None:
        return state, until, message(locale, "card.next_none")
    return state, until, message(locale, "card.next", time=clock_words(upcoming.start, tz, locale))


def next_meeting(
    caller: Caller, meeting: NextMeeting | None, room: Room | None, where: Room | None, now: datetime, locale: str
) -> str:
    """The next meeting in `room` (busy and when, described only for its owner) or the caller's own,
    held `where` (the room of a voice booking)."""
    tz = caller.timezone
    if meeting is None:
        if room is not None:
            return message(locale, "next.room_none", room=room.name)
        return message(locale, "next.personal_none")
    busy = meeting.busy
    when, until = when_words(busy.start, tz, now, locale), clock_words(busy.end, tz, locale)
    if room is not None:
        if busy.subject and may_describe(_as_room_viewer(caller), busy):
            return message(locale, "next.room_with", room=room.name, subject=busy.subject, when=when, until=until)
        return message(locale, "next.room", room=room.name, when=when, until=until)
    place = Ssml(message(locale, "next.place", room=where.name)) if where else ""
    if busy.subject and may_describe(caller, busy):
        return message(locale, "next.personal_with", subject=busy.subject, when=when, place=place)
    return message(locale, "next.personal", when=when, place=place)
