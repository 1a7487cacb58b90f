"""Intent handlers of the rooms capability: status, book, find, extend, end, check in, next meeting, cancel.

On a shared device a request acts on the device's room (and its current booking); on a personal device
on a named room or the user's own booking. A booking that starts later or lasts longer than a quick one
is confirmed with `Dialog.ConfirmIntent` first. Found rooms (and the room offered for the rest of a
meeting that could not be extended in full) are offered one at a time, kept in the session under
OFFER; only then do AMAZON.YesIntent and AMAZON.NoIntent belong to this capability. A rule a request
breaks, a room taken or unknown, is answered by this capability's exception handlers (ERRORS); on a
shared device the session ends once something was done.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.alexa import dialog, speech
from skill.alexa.apl import room_card_directive, supports_apl
from skill.alexa.context import RequestContext
from skill.alexa.handlers.base import ErrorHandler, IntentHandler, ask, tell
from skill.alexa.messages import Ssml, message
from skill.domain.booking import BookingRequest, parse_duration
from skill.domain.errors import BookingRuleError, NotFoundError, RoomTakenError
from skill.domain.model import Booking, BookingStatus, Room
from skill.services import rooms

OFFER = "rooms.offer"  # {"rooms": [ids still to offer], "start": ISO, "minutes": n, "attendees": n | None}
BOOK_SLOTS = ("room", "date", "startTime", "duration", "attendees")
CANCEL_SLOTS = ("room", "date", "startTime")
CARD_ID = "room-card"  # the APL presentation token that names the room card
# A rule broken by one slot value of a booking is asked again for that slot.
ASK_AGAIN = {
    "bad_duration": "duration",
    "vague_time": "startTime",
    "bad_time": "startTime",
    "vague_date": "date",
    "bad_date": "date",
}
RULE_KEYS = {"booking_changed": "rule.changed", "wrong_status": "rule.changed"}


# ---------------------------------------------------------------- request helpers


def _request(handler_input: HandlerInput, ctx: RequestContext, duration: timedelta) -> BookingRequest:
    """The booking or search the date, time and attendees slots describe, for `duration`."""
    return BookingRequest.from_slots(
        dialog.slot_value(handler_input, "date"),
        dialog.slot_value(handler_input, "startTime"),
        dialog.slot_value(handler_input, "attendees"),
        duration=duration,
        tz=ctx.caller.timezone,
        now=ctx.now,
    )


def _named_room(handler_input: HandlerInput, ctx: RequestContext) -> Room | None:
    """The room the request names (or this room); NotFoundError when the name is no room we know."""
    spoken = dialog.slot_value(handler_input, "room")
    return ctx.services.rooms.resolve(spoken, ctx.caller, entity_id=dialog.resolved_id(handler_input, "room"))


def _booked(ctx: RequestContext, booking: Booking, room: Room) -> str:
    tz = ctx.caller.timezone
    when = speech.when_words(max(booking.start, ctx.now), tz, ctx.now, ctx.locale)
    until = speech.clock_words(booking.end, tz, ctx.locale)
    return message(ctx.locale, "book.done", room=room.name, when=Ssml(when), until=until)


def _offer(handler_input: HandlerInput, ctx: RequestContext, state: dict[str, Any], lead: str = "") -> Response:
    """Offer the first room of `state` (kept in the session), or say there is none left."""
    session = dialog.session(handler_input)
    while state["rooms"]:
        room = ctx.services.rooms.get(state["rooms"][0])
        if room is not None:
            session[OFFER] = state
            floor = Ssml(message(ctx.locale, "find.floor", floor=room.floor)) if room.floor is not None else ""
            return ask(handler_input, lead + message(ctx.locale, "find.offer", room=room.name, floor=floor))
        state["rooms"] = state["rooms"][1:]
    session.pop(OFFER, None)
    return tell(handler_input, lead + message(ctx.locale, "find.no_more"))


def _no_current(ctx: RequestContext) -> str:
    if ctx.caller.is_shared:
        return message(ctx.locale, "current.none")
    return message(ctx.locale, "current.none.personal")


class RoomIntentHandler(IntentHandler):
    """A rooms intent: a pending offer lapses unless the intent answers it."""

    feature = "booking"
    answers_offer: ClassVar[bool] = False

    def handle(self, handler_input: HandlerInput) -> Response:
        if not self.answers_offer:
            dialog.session(handler_input).pop(OFFER, None)
        return super().handle(handler_input)


# ---------------------------------------------------------------- status and next meeting


class RoomStatusIntentHandler(RoomIntentHandler):
    """ "is this room free?", "is Fuji free?": busy or free, and until when."""

    intent = "RoomStatusIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        room = _named_room(handler_input, ctx)
        if room is None:
            return tell(handler_input, message(ctx.locale, "room.none"))
        status = ctx.services.rooms.status(room, ctx.caller, ctx.now)
        if supports_apl(handler_input):
            state, until, upcoming = speech.room_card(ctx.caller, status, ctx.locale)
            card = room_card_directive(room.name, state, until, upcoming, CARD_ID, busy=status.is_busy)
            handler_input.response_builder.add_directive(card)
        return tell(handler_input, speech.room_status(ctx.caller, status, ctx.locale))


class NextMeetingIntentHandler(RoomIntentHandler):
    """ "what's next in this room?" (busy and when) or, on a personal device, "what's my next meeting?"."""

    intent = "NextMeetingIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        room = _named_room(handler_input, ctx)
        if room is None and ctx.caller.owner is None:
            return tell(handler_input, message(ctx.locale, "room.none"))
        meeting = ctx.services.rooms.next_meeting(ctx.caller, room, ctx.now)
        where = ctx.services.rooms.get(meeting.room) if room is None and meeting and meeting.room else None
        return tell(handler_input, speech.next_meeting(ctx.caller, meeting, room, where, ctx.now, ctx.locale))


# ---------------------------------------------------------------- booking and finding


class BookRoomIntentHandler(RoomIntentHandler):
    """ "book this room for 30 minutes", "book Fuji tomorrow at 10 for an hour"."""

    intent = "BookRoomIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        if dialog.confirmation(handler_input) == "DENIED":
            return tell(handler_input, message(ctx.locale, "book.denied"))
        room = _named_room(handler_input, ctx)
        if room is None:
            slots = dialog.updated_intent(handler_input, BOOK_SLOTS)
            return dialog.elicit(handler_input, message(ctx.locale, "room.ask"), "room", slots)
        said_duration = dialog.slot_value(handler_input, "duration")
        if said_duration is None:
            slots = dialog.updated_intent(handler_input, BOOK_SLOTS)
            return dialog.elicit(handler_input, message(ctx.locale, "book.ask_duration"), "duration", slots)
        request = _request(handler_input, ctx, parse_duration(said_duration))
        service = ctx.services.rooms
        if dialog.confirmation(handler_input) != "CONFIRMED" and rooms.needs_confirmation(request, ctx.now):
            interval = service.check(ctx.caller, room, request, ctx.now)
            when = speech.when_words(max(interval.start, ctx.now), ctx.caller.timezone, ctx.now, ctx.locale)
            length = speech.length_words(interval.duration, ctx.locale)
            question = message(ctx.locale, "book.confirm", room=room.name, when=Ssml(when), length=length)
            return dialog.confirm(handler_input, question, dialog.updated_intent(handler_input, BOOK_SLOTS))
        booking = service.book(ctx.caller, room, request, ctx.now, ctx.request_id)
        return tell(handler_input, _booked(ctx, booking, room))


class FindRoomIntentHandler(RoomIntentHandler):
    """ "find a room for six people with video": free rooms, nearest first, offered one at a time."""

    intent = "FindRoomIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        said_duration = dialog.slot_value(handler_input, "duration")
        duration = parse_duration(said_duration) if said_duration else rooms.DEFAULT_FIND_DURATION
        request = _request(handler_input, ctx, duration)
        feature = dialog.resolved_id(handler_input, "feature") or dialog.slot_value(handler_input, "feature")
        found = ctx.services.rooms.find(ctx.caller, request, [feature.casefold()] if feature else [], ctx.now)
        if not found:
            return tell(handler_input, message(ctx.locale, "find.none"))
        state = {
            "rooms": [room.id for room in found],
            "start": request.start.isoformat(),
            "minutes": int(request.duration.total_seconds() // 60),
            "attendees": request.attendees,
        }
        return _offer(handler_input, ctx, state)


class OfferAnswerHandler(RoomIntentHandler):
    """ "yes" or "no" to an offered room: only while a room is on offer."""

    answers_offer = True

    def can_handle(self, handler_input: HandlerInput) -> bool:
        offered = (handler_input.attributes_manager.session_attributes or {}).get(OFFER)
        return super().can_handle(handler_input) and bool(offered)

    @staticmethod
    def take_offer(handler_input: HandlerInput) -> tuple[str, dict[str, Any]]:
        """The room on offer, and the offer without it (the rooms still to offer)."""
        state: dict[str, Any] = dialog.session(handler_input).pop(OFFER)
        first, state["rooms"] = state["rooms"][0], state["rooms"][1:]
        return first, state


class YesHandler(OfferAnswerHandler):
    """ "yes" to an offered room: book it for the time asked (a room taken meanwhile: offer the next)."""

    intent = "AMAZON.YesIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        room_id, state = self.take_offer(handler_input)
        room = ctx.services.rooms.get(room_id)
        if room is None:
            return _offer(handler_input, ctx, state)
        start = max(datetime.fromisoformat(state["start"]), ctx.now)
        request = BookingRequest(start, timedelta(minutes=int(state["minutes"])), state.get("attendees"))
        try:
            booking = ctx.services.rooms.book(ctx.caller, room, request, ctx.now, ctx.request_id)
        except RoomTakenError:  # taken since it was offered: the next one is offered instead
            return _offer(handler_input, ctx, state, message(ctx.locale, "find.taken", room=room.name, next=""))
        return tell(handler_input, _booked(ctx, booking, room))


class NoHandler(OfferAnswerHandler):
    """ "no" to an offered room: offer the next one."""

    intent = "AMAZON.NoIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        _, state = self.take_offer(handler_input)
        if not state["rooms"]:
            return tell(handler_input, message(ctx.locale, "offer.declined"))
        return _offer(handler_input, ctx, state)


# ---------------------------------------------------------------- the meeting on now


class ExtendMeetingIntentHandler(RoomIntentHandler):
    """ "extend the meeting by 30 minutes": as far as the room is free; the nearest free room for the rest."""

    intent = "ExtendMeetingIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        said_duration = dialog.slot_value(handler_input, "duration")
        if said_duration is None:
            slots = dialog.updated_intent(handler_input, ("duration",))
            return dialog.elicit(handler_input, message(ctx.locale, "extend.ask"), "duration", slots)
        outcome = ctx.services.rooms.extend_current(ctx.caller, parse_duration(said_duration), ctx.now)
        if outcome is None:
            return tell(handler_input, _no_current(ctx))
        tz = ctx.caller.timezone
        if outcome.taken_from is None:
            until = speech.clock_words(outcome.booking.end, tz, ctx.locale)
            return tell(handler_input, message(ctx.locale, "extend.done", until=until))
        room = ctx.services.rooms.of_booking(outcome.booking, ctx.caller)
        if outcome.extended:
            until = speech.clock_words(outcome.booking.end, tz, ctx.locale)
            said = message(ctx.locale, "extend.partly", until=until, room=room.name)
        else:
            until = speech.clock_words(outcome.taken_from, tz, ctx.locale)
            said = message(ctx.locale, "extend.none", until=until, room=room.name)
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


class CurrentMeetingHandler(RoomIntentHandler):
    """An intent about the meeting on now: said to be none when there is none."""

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        booking = ctx.services.rooms.current(ctx.caller, ctx.now)
        if booking is None:
            return tell(handler_input, _no_current(ctx))
        room = ctx.services.rooms.of_booking(booking, ctx.caller)
        return tell(handler_input, self.act(ctx, booking, room))

    def act(self, ctx: RequestContext, booking: Booking, room: Room) -> str:
        """Do what the intent asks of `booking` in `room`; what is said."""
        raise NotImplementedError


class EndMeetingIntentHandler(CurrentMeetingHandler):
    """ "we're done": the rest of the current booking is free again (one not started yet is cancelled)."""

    intent = "EndMeetingIntent"

    def act(self, ctx: RequestContext, booking: Booking, room: Room) -> str:
        ended = ctx.services.rooms.end(ctx.caller, booking, ctx.now)
        if ended.status is BookingStatus.CANCELLED:
            return message(ctx.locale, "end.cancelled")
        return message(ctx.locale, "end.done", room=room.name)


class MeetingCheckInIntentHandler(CurrentMeetingHandler):
    """ "check in": the current booking is kept (not released as a no-show)."""

    intent = "MeetingCheckInIntent"

    def act(self, ctx: RequestContext, booking: Booking, room: Room) -> str:
        checked = ctx.services.rooms.check_in(ctx.caller, booking, ctx.now)
        until = speech.clock_words(checked.end, ctx.caller.timezone, ctx.locale)
        return message(ctx.locale, "room.checked_in", room=room.name, until=until)


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
        room = _named_room(handler_input, ctx)
        tz = ctx.caller.timezone
        booking = ctx.services.rooms.user_booking(
            owner.id,
            room,
            dialog.slot_value(handler_input, "date"),
            dialog.slot_value(handler_input, "startTime"),
            tz=tz,
            now=ctx.now,
        )
        booked_room = room or ctx.services.rooms.of_booking(booking, ctx.caller)
        when = Ssml(speech.when_words(booking.start, tz, ctx.now, ctx.locale))
        if confirmation == "NONE":
            question = message(ctx.locale, "cancel.confirm", room=booked_room.name, when=when)
            return dialog.confirm(handler_input, question, dialog.updated_intent(handler_input, CANCEL_SLOTS))
        ctx.services.rooms.cancel(booking, tz)
        return tell(handler_input, message(ctx.locale, "cancel.done", room=booked_room.name, when=when))


# ---------------------------------------------------------------- errors as speech


def _room_name(ctx: RequestContext, room_id: object) -> str:
    if not isinstance(room_id, str):
        return ctx.caller.room.name if ctx.caller.room else ""
    room = ctx.caller.room if ctx.caller.room and ctx.caller.room.id == room_id else ctx.services.rooms.get(room_id)
    return room.name if room else room_id


class BookingRuleErrorHandler(ErrorHandler):
    """A broken booking rule, said; a booking whose date, time or length made no sense asks for it again."""

    error = BookingRuleError

    def answer(self, handler_input: HandlerInput, ctx: RequestContext, error: Exception) -> Response:
        assert isinstance(error, BookingRuleError)
        details: dict[str, Any] = {**error.details, "room": _room_name(ctx, error.details.get("room"))}
        if error.reason == "too_long":
            details["length"] = speech.length_words(timedelta(minutes=int(str(details["max_minutes"]))), ctx.locale)
        if error.reason == "too_far":
            details["days"] = details["window_days"]
        try:
            said = message(ctx.locale, RULE_KEYS.get(error.reason, f"rule.{error.reason}"), **details)
        except KeyError:
            said = message(ctx.locale, "rule.other")
        slot = ASK_AGAIN.get(error.reason)
        if slot is None or not is_intent_name(BookRoomIntentHandler.intent)(handler_input):
            return tell(handler_input, said)
        cleared = dialog.updated_intent(handler_input, BOOK_SLOTS, **{slot: None})
        return dialog.elicit(handler_input, said, slot, cleared)


class RoomTakenErrorHandler(ErrorHandler):
    """The time asked for is taken: from when, and free until then when it is."""

    error = RoomTakenError

    def answer(self, handler_input: HandlerInput, ctx: RequestContext, error: Exception) -> Response:
        assert isinstance(error, RoomTakenError)
        room, tz = _room_name(ctx, error.room_id), ctx.caller.timezone
        if error.free_until is not None:
            until = speech.clock_words(error.free_until, tz, ctx.locale)
            return tell(handler_input, message(ctx.locale, "taken.until_then", room=room, busy_from=until))
        busy_from = speech.clock_words(error.busy_from, tz, ctx.locale)
        return tell(handler_input, message(ctx.locale, "taken.at", room=room, busy_from=busy_from))


class NotFoundErrorHandler(ErrorHandler):
    """A room name we do not know, or no booking of the caller's to act on."""

    error = NotFoundError
    KEYS: ClassVar[dict[str, str]] = {"room": "room.unknown", "booking": "cancel.none"}

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return super().can_handle(handler_input, exception) and getattr(exception, "kind", None) in self.KEYS

    def answer(self, handler_input: HandlerInput, ctx: RequestContext, error: Exception) -> Response:
        assert isinstance(error, NotFoundError)
        return tell(handler_input, message(ctx.locale, self.KEYS[error.kind], name=error.key))


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
ERRORS: list[AbstractExceptionHandler] = [BookingRuleErrorHandler(), RoomTakenErrorHandler(), NotFoundErrorHandler()]
