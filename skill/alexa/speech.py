"""Speech built in one place. The shared-device privacy rule lives here and nowhere else:
on a shared device no subject, organizer, attendee, PIN or phone number is spoken unless the
recognised person owns it, and private events are only ever "busy"."""

from __future__ import annotations

from skill.alexa.messages import Ssml, message
from skill.domain.model import BusyInterval, Caller

HINT_ORDER = ("booking", "calling", "join-meeting", "reception")


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
    for feature in HINT_ORDER:
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
    return message(locale, "hint.join", first=Ssml(", ".join(parts[:-1])), last=Ssml(parts[-1]))


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
