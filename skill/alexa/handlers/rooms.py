"""Intent handlers of the rooms capability: status, book, find, extend, end, check in, next meeting, cancel.

On a shared device a request acts on the device's room (and its current booking); on a personal device
on a named room or the user's own booking. A booking that starts later or lasts longer than a quick one
is confirmed with `Dialog.ConfirmIntent` first. Found rooms (and the room offered for the rest of a
meeting that could not be extended in full) are offered one at a time, kept in the session under
OFFER; only then do AMAZON.YesIntent and AMAZON.NoIntent belong to this capability. Every rule a request
breaks is an answer, never a crash; on a shared device the session ends once something was done.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.alexa import dialog, speech
from skill.alexa.apl import room_card_directive, supports_apl
from skill.alexa.context import RequestContext, context
from skill.alexa.handlers.base import IntentHandler, ask, tell
from skill.alexa.messages import Ssml, message
from skill.domain.booking import parse_duration, requested_start
from skill.domain.errors import BookingRuleError, NotFoundError, RoomTakenError
from skill.domain.model import Booking, BookingStatus, Room
from skill.services import rooms

OFFER = "rooms.offer"  # {"rooms": [ids still to offer], "start": ISO, "minutes": n, "attendees": n | None}
BOOK_SLOTS = ("room", "date", "startTime", "duration", "attendees")
CANCEL_SLOTS = ("room", "date", "startTime")
CARD_ID = "room-card"  # the APL presentation token that names the room card
# A rule broken by one slot value is asked again for that slot.
ASK_AGAIN = {
    "bad_duration": "duration",
    "vague_time": "startTime",
    "bad_time": "startTime",
    "vague_date": "date",
    "bad_date": "date",
}
RULE_KEYS = {"booking_changed": "rule.changed", "wrong_status": "rule.changed"}


# ---------------------------------------------------------------- request helpers


def _tz(ctx: RequestContext) -> str:
    return ctx.caller.timezone


def _rooms(ctx: RequestContext) -> list[Room]:
    return rooms.all_rooms(ctx.container.fleet)


def _attendees(handler_input: HandlerInput) -> int | None:
    value = dialog.slot_value(handler_input, "attendees")
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise BookingRuleError("bad_attendees", value=value)
    return int(value)


def _duration(handler_input: HandlerInput) -> timedelta | None:
    value = dialog.slot_value(handler_input, "duration")
    return None if value is None else parse_duration(value)


def _named_room(handler_input: HandlerInput, ctx: RequestContext) -> tuple[Room | None, str | None]:
    """The room the request names (or this room), and what was said when it names none we know."""
    spoken = dialog.slot_value(handler_input, "room")
    entity_id = dialog.resolved_id(handler_input, "room")
    room = rooms.resolve_room(spoken, ctx.caller, ctx.container.fleet, entity_id=entity_id)
    return room, (spoken if room is None and spoken and spoken.casefold() not in rooms.THIS_ROOM else None)


def _rule(ctx: RequestContext, error: BookingRuleError, room: Room | None) -> str:
    details: dict[str, Any] = {**error.details, "room": room.name if room else ""}
    if error.reason == "too_long":
        details["length"] = speech.length_words(timedelta(minutes=int(str(details["max_minutes"]))), ctx.locale)
    if error.reason == "too_far":
        details["days"] = details["window_days"]
    key = RULE_KEYS.get(error.reason, f"rule.{error.reason}")
    try:
        return message(ctx.locale, key, **details)
    except KeyError:
        return message(ctx.locale, "rule.other")


def _taken(ctx: RequestContext, error: RoomTakenError, room: Room) -> str:
    tz = _tz(ctx)
    if isinstance(error.free_until, datetime):
        return message(
            ctx.locale,
            "taken.until_then",
            room=room.name,
            busy_from=speech.clock_words(error.free_until, tz, ctx.locale),
        )
    if isinstance(error.busy_from, datetime):
        return message(
            ctx.locale, "taken.at", room=room.name, busy_from=speech.clock_words(error.busy_from, tz, ctx.locale)
        )
    return message(ctx.locale, "taken.now", room=room.name)


def _booked(ctx: RequestContext, booking: Booking, room: Room) -> str:
    when = speech.when_words(max(booking.start, ctx.now), _tz(ctx), ctx.now, ctx.locale)
    until = speech.clock_words(booking.end, _tz(ctx), ctx.locale)
    return message(ctx.locale, "book.done", room=room.name, when=Ssml(when), until=until)


def _offer(handler_input: HandlerInput, ctx: RequestContext, state: dict[str, Any], lead: str = "") -> Response:
    """Offer the first room of `state` (kept in the session), or say there is none left."""
    session = dialog.session(handler_input)
    fleet = ctx.container.fleet
    while state["rooms"]:
        room = fleet.get_room(state["rooms"][0])
        if room is not None:
            session[OFFER] = state
            floor = Ssml(message(ctx.locale, "find.floor", floor=room.floor)) if room.floor is not None else ""
            return ask(handler_input, lead + message(ctx.locale, "find.offer", room=room.name, floor=floor))
        state["rooms"] = state["rooms"][1:]
    session.pop(OFFER, None)
    return tell(handler_input, lead + message(ctx.locale, "find.no_more"))


def _current(ctx: RequestContext) -> Booking | None:
    room = ctx.caller.room if ctx.caller.is_shared else None
    return rooms.current_booking(ctx.caller, room, tz=_tz(ctx), store=ctx.container.bookings, now=ctx.now)


def _no_current(ctx: RequestContext) -> str:
    if ctx.caller.is_shared:
        return message(ctx.locale, "current.none")
    return message(ctx.locale, "current.none.personal")


def _in_own_room(ctx: RequestContext, booking: Booking) -> bool:
    """A request from the booked room's own device: it counts as checking in."""
    room = ctx.caller.room
    return ctx.caller.is_shared and room is not None and room.id == booking.room_id


def _room_of(ctx: RequestContext, booking: Booking) -> Room:
    room = ctx.caller.room if ctx.caller.room and ctx.caller.room.id == booking.room_id else None
    found = room or ctx.container.fleet.get_room(booking.room_id)
    return found or Room(id=booking.room_id, name=booking.room_id)


class RoomIntentHandler(IntentHandler):
    """A rooms intent: a pending offer lapses, and a broken booking rule is answered."""

    feature = "booking"
    answers_offer: ClassVar[bool] = False

    def handle(self, handler_input: HandlerInput) -> Response:
        if not self.answers_offer:
            dialog.session(handler_input).pop(OFFER, None)
        try:
            return super().handle(handler_input)
        except BookingRuleError as error:
            return tell(handler_input, _rule(context(handler_input), error, context(handler_input).caller.room))


# ---------------------------------------------------------------- status and next meeting


class RoomStatusIntentHandler(RoomIntentHandler):
    """ "is this room free?", "is Fuji free?": busy or free, and until when."""

    intent = "RoomStatusIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        room, unknown = _named_room(handler_input, ctx)
        if room is None:
            key, name = ("room.unknown", unknown) if unknown else ("room.none", "")
            return tell(handler_input, message(ctx.locale, key, name=name))
        status = rooms.room_status(
            room,
            ctx.now,
            tz=_tz(ctx),
            store=ctx.container.bookings,
            feeds=ctx.container.feeds,
            now=ctx.now,
            stale_after=timedelta(minutes=ctx.container.settings.feed_stale_minutes),
        )
        if supports_apl(handler_input):
            state, until, upcoming = speech.room_card(ctx.caller, status, ctx.locale)
            card = room_card_directive(room.name, state, until, upcoming, CARD_ID, busy=status.is_busy)
            handler_input.response_builder.add_directive(card)
        return tell(handler_input, speech.room_status(ctx.caller, status, ctx.locale))


class NextMeetingIntentHandler(RoomIntentHandler):
    """ "what's next in this room?" (busy and when) or, on a personal device, "what's my next meeting?"."""

    intent = "NextMeetingIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        room, unknown = _named_room(handler_input, ctx)
        if unknown:
            return tell(handler_input, message(ctx.locale, "room.unknown", name=unknown))
        if room is None and ctx.caller.owner is None:
            return tell(handler_input, message(ctx.locale, "room.none"))
        store = ctx.container.bookings
        meeting = rooms.next_meeting(ctx.caller, room, tz=_tz(ctx), store=store, now=ctx.now)
        where = ctx.container.fleet.get_room(meeting.room) if room is None and meeting and meeting.room else None
        return tell(handler_input, speech.next_meeting(ctx.caller, meeting, room, where, ctx.now, ctx.locale))


# ---------------------------------------------------------------- booking and finding


class BookRoomIntentHandler(RoomIntentHandler):
    """ "book this room for 30 minutes", "book Fuji tomorrow at 10 for an hour"."""

    intent = "BookRoomIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        confirmation = dialog.confirmation(handler_input)
        if confirmation == "DENIED":
            return tell(handler_input, message(ctx.locale, "book.denied"))
        room, unknown = _named_room(handler_input, ctx)
        if unknown:
            return tell(handler_input, message(ctx.locale, "room.unknown", name=unknown))
        if room is None:
            slots = dialog.updated_intent(handler_input, BOOK_SLOTS)
            return dialog.elicit(handler_input, message(ctx.locale, "room.ask"), "room", slots)
        if dialog.slot_value(handler_input, "duration") is None:
            slots = dialog.updated_intent(handler_input, BOOK_SLOTS)
            return dialog.elicit(handler_input, message(ctx.locale, "book.ask_duration"), "duration", slots)
        try:
            return self._book(handler_input, ctx, room, confirmation == "CONFIRMED")
        except BookingRuleError as error:
            said = _rule(ctx, error, room)
            slot = ASK_AGAIN.get(error.reason)
            if slot is None:
                return tell(handler_input, said)
            cleared = dialog.updated_intent(handler_input, BOOK_SLOTS, **{slot: None})
            return dialog.elicit(handler_input, said, slot, cleared)
        except RoomTakenError as error:
            return tell(handler_input, _taken(ctx, error, room))

    @staticmethod
    def _book(handler_input: HandlerInput, ctx: RequestContext, room: Room, confirmed: bool) -> Response:
        tz, store = _tz(ctx), ctx.container.bookings
        duration = _duration(handler_input) or rooms.DEFAULT_FIND_DURATION
        attendees = _attendees(handler_input)
        start = requested_start(
            dialog.slot_value(handler_input, "date"), dialog.slot_value(handler_input, "startTime"), tz, ctx.now
        )
        if not confirmed and rooms.needs_confirmation(start, duration, ctx.now):
            interval = rooms.plan_booking(room, start, duration, attendees, ctx.now)
            rooms.check_free(room, interval, tz=tz, store=store)
            when = speech.when_words(max(interval.start, ctx.now), tz, ctx.now, ctx.locale)
            length = speech.length_words(interval.duration, ctx.locale)
            question = message(ctx.locale, "book.confirm", room=room.name, when=Ssml(when), length=length)
            return dialog.confirm(handler_input, question, dialog.updated_intent(handler_input, BOOK_SLOTS))
        booking = rooms.book_room(
            ctx.caller, room, start, duration, attendees, tz=tz, store=store, now=ctx.now, request_id=ctx.request_id
        )
        return tell(handler_input, _booked(ctx, booking, room))


class FindRoomIntentHandler(RoomIntentHandler):
    """ "find a room for six people with video": free rooms, nearest first, offered one at a time."""

    intent = "FindRoomIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        tz = _tz(ctx)
        duration = _duration(handler_input) or rooms.DEFAULT_FIND_DURATION
        attendees = _attendees(handler_input)
        start = requested_start(
            dialog.slot_value(handler_input, "date"), dialog.slot_value(handler_input, "startTime"), tz, ctx.now
        )
        feature = dialog.resolved_id(handler_input, "feature") or dialog.slot_value(handler_input, "feature")
        interval = rooms.find_interval(start, duration, ctx.now)
        found = rooms.find_rooms(
            ctx.caller,
            _rooms(ctx),
            interval,
            attendees,
            [feature.casefold()] if feature else [],
            tz=tz,
            store=ctx.container.bookings,
        )
        if not found:
            return tell(handler_input, message(ctx.locale, "find.none"))
        state = {
            "rooms": [room.id for room in found],
            "start": start.isoformat(),
            "minutes": int(duration.total_seconds() // 60),
            "attendees": attendees,
        }
        return _offer(handler_input, ctx, state)


def _has_offer(handler_input: HandlerInput) -> bool:
    return bool((handler_input.attributes_manager.session_attributes or {}).get(OFFER))


class YesHandler(RoomIntentHandler):
    """ "yes" to an offered room: book it for the time asked (a room taken meanwhile: offer the next)."""

    intent = "AMAZON.YesIntent"
    answers_offer = True

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and _has_offer(handler_input)

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        state: dict[str, Any] = dialog.session(handler_input).pop(OFFER)
        room = ctx.container.fleet.get_room(state["rooms"][0])
        state["rooms"] = state["rooms"][1:]
        if room is None:
            return _offer(handler_input, ctx, state)
        start = max(datetime.fromisoformat(state["start"]), ctx.now)
        try:
            booking = rooms.book_room(
                ctx.caller,
                room,
                start,
                timedelta(minutes=int(state["minutes"])),
                state.get("attendees"),
                tz=_tz(ctx),
                store=ctx.container.bookings,
                now=ctx.now,
                request_id=ctx.request_id,
            )
        except RoomTakenError:
            lead = message(ctx.locale, "find.taken", room=room.name, next="")
            return _offer(handler_input, ctx, state, lead)
        return tell(handler_input, _booked(ctx, booking, room))


class NoHandler(RoomIntentHandler):
    """ "no" to an offered room: offer the next one."""

    intent = "AMAZON.NoIntent"
    answers_offer = True

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return super().can_handle(handler_input) and _has_offer(handler_input)

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        state: dict[str, Any] = dialog.session(handler_input).pop(OFFER)
        state["rooms"] = state["rooms"][1:]
        if not state["rooms"]:
            return tell(handler_input, message(ctx.locale, "offer.declined"))
        return _offer(handler_input, ctx, state)


# ---------------------------------------------------------------- the meeting on now


class ExtendMeetingIntentHandler(RoomIntentHandler):
    """ "extend the meeting by 30 minutes": as far as the room is free; the nearest free room for the rest."""

    intent = "ExtendMeetingIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        by = _duration(handler_input)
        if by is None:
            slots = dialog.updated_intent(handler_input, ("duration",))
            return dialog.elicit(handler_input, message(ctx.locale, "extend.ask"), "duration", slots)
        booking = _current(ctx)
        if booking is None:
            return tell(handler_input, _no_current(ctx))
        tz, store = _tz(ctx), ctx.container.bookings
        room = _room_of(ctx, booking)
        outcome = rooms.extend(
            ctx.caller,
            booking,
            by,
            room=room,
            rooms=_rooms(ctx),
            tz=tz,
            store=store,
            now=ctx.now,
            check_in_now=_in_own_room(ctx, booking),  # extending from the room proves the meeting is on
        )
        if outcome.taken_from is None:
            until = speech.clock_words(outcome.booking.end, tz, ctx.locale)
            return tell(handler_input, message(ctx.locale, "extend.done", until=until))
        if outcome.extended:
            until = speech.clock_words(outcome.booking.end, tz, ctx.locale)
            said = message(ctx.locale, "extend.partly", until=until, room=room.name)
        else:
            said = message(
                ctx.locale, "extend.none", until=speech.clock_words(outcome.taken_from, tz, ctx.locale), room=room.name
            )
        if outcome.alternative is None:
            return tell(handler_input, said)
        other = outcome.alternative
        wanted = speech.clock_words(outcome.wanted_end, tz, ctx.locale)
        dialog.session(handler_input)[OFFER] = {
            "rooms": [other.id],
            "start": outcome.booking.end.isoformat(),
            "minutes": int((outcome.wanted_end - outcome.booking.end).total_seconds() // 60),
            "attendees": None,
        }
        return ask(handler_input, said + message(ctx.locale, "extend.offer", other=other.name, wanted=wanted))


class EndMeetingIntentHandler(RoomIntentHandler):
    """ "we're done": the rest of the current booking is free again."""

    intent = "EndMeetingIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        booking = _current(ctx)
        if booking is None:
            return tell(handler_input, _no_current(ctx))
        ended = rooms.end_meeting(booking, tz=_tz(ctx), store=ctx.container.bookings, now=ctx.now)
        if ended.status is BookingStatus.CANCELLED:
            return tell(handler_input, message(ctx.locale, "end.cancelled"))
        return tell(handler_input, message(ctx.locale, "end.done", room=_room_of(ctx, booking).name))


class MeetingCheckInIntentHandler(RoomIntentHandler):
    """ "check in": the current booking is kept (not released as a no-show)."""

    intent = "MeetingCheckInIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        booking = _current(ctx)
        if booking is None:
            return tell(handler_input, _no_current(ctx))
        checked = rooms.check_in(booking, tz=_tz(ctx), store=ctx.container.bookings, now=ctx.now)
        until = speech.clock_words(checked.end, _tz(ctx), ctx.locale)
        return tell(
            handler_input, message(ctx.locale, "room.checked_in", room=_room_of(ctx, booking).name, until=until)
        )


# ---------------------------------------------------------------- cancel


class CancelBookingIntentHandler(RoomIntentHandler):
    """ "cancel my booking in Fuji tomorrow at 10": the caller's own booking, confirmed first."""

    intent = "CancelBookingIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        owner = ctx.caller.owner
        if owner is None:
            return tell(handler_input, message(ctx.locale, "cancel.who"))
        confirmation = dialog.confirmation(handler_input)
        if confirmation == "DENIED":
            return tell(handler_input, message(ctx.locale, "cancel.denied"))
        room, unknown = _named_room(handler_input, ctx)
        if unknown:
            return tell(handler_input, message(ctx.locale, "room.unknown", name=unknown))
        tz, store = _tz(ctx), ctx.container.bookings
        try:
            booking = rooms.user_booking(
                owner.id,
                room,
                dialog.slot_value(handler_input, "date"),
                dialog.slot_value(handler_input, "startTime"),
                tz=tz,
                store=store,
                now=ctx.now,
            )
        except NotFoundError:
            return tell(handler_input, message(ctx.locale, "cancel.none"))
        booked_room = room or _room_of(ctx, booking)
        when = Ssml(speech.when_words(booking.start, tz, ctx.now, ctx.locale))
        if confirmation == "NONE":
            question = message(ctx.locale, "cancel.confirm", room=booked_room.name, when=when)
            return dialog.confirm(handler_input, question, dialog.updated_intent(handler_input, CANCEL_SLOTS))
        rooms.cancel(booking, tz=tz, store=store)
        return tell(handler_input, message(ctx.locale, "cancel.done", room=booked_room.name, when=when))


HANDLERS: list[AbstractRequestHandler] = [
    RoomStatusIntentHandler(),
    NextMeetingIntentHandler(),
    BookRoomIntentHandler(),
    FindRoomIntentHandler(),
    ExtendMeetingIntentHandler(),
    EndMeetingIntentHandler(),
    MeetingCheckInIntentHandler(),
    CancelBookingIntentHandler(),
    YesHandler(),
    NoHandler(),
]
