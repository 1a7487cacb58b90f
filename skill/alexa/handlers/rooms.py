"""Intent handlers of the rooms capability: status, book, find, extend, end, check in, next meeting, cancel.

On a shared device a request acts on the device's room (and its current booking); on a personal device
on a named room or the user's own booking. A booking that starts later or lasts longer than a quick one
is confirmed with `Dialog.ConfirmIntent` first. Nothing refused is a dead end: a room taken for the time asked
is offered for the free start of that time, or for its next free time, or another room is (`RoomService.instead`);
a search that finds nothing free offers the room free soonest after; a meeting that cannot be extended in full
offers the nearest free room for the rest. Each is a `RoomOffer` in the session's one pending offer
(skill/alexa/offers.py), which AMAZON.YesIntent takes, AMAZON.NoIntent declines (the next free room, when a
search found several), and "find another room" (FindRoomIntent) answers with a search for the time first asked.
A rule a request breaks, a room taken or unknown, is answered by this capability's exception handlers (ERRORS);
on a shared device the session ends once something was done.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.alexa import dialog, offers, speech
from skill.alexa.apl import room_card_directive, supports_apl
from skill.alexa.context import RequestContext
from skill.alexa.handlers.base import ErrorHandler, IntentHandler, OfferAnswerHandler, tell
from skill.alexa.messages import Ssml, message
from skill.domain.booking import BookingRequest, parse_duration
from skill.domain.errors import BookingRuleError, NotFoundError, RoomTakenError
from skill.domain.fleet import ID_RE
from skill.domain.model import Booking, BookingStatus, Interval, Room
from skill.services import rooms
from skill.services.rooms import Alternative

CAPABILITY = "rooms"
MOST_OTHERS = 50  # rooms still to offer after a no, at most, as read back from the session
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


@dataclass(frozen=True)
class RoomOffer:
    """A room on offer: yes books `room` from `start` (or from now, once that has passed) until `end`; a no offers
    `others` (rooms free for the same time) one by one; "find another room" searches `wanted`, the time asked."""

    room: str
    start: datetime
    end: datetime
    wanted: Interval
    attendees: int | None = None
    others: tuple[str, ...] = ()

    @classmethod
    def of(cls, found: Alternative, attendees: int | None) -> RoomOffer:
        return cls(found.room.id, found.interval.start, found.interval.end, found.wanted, attendees, found.others)

    def terms(self) -> dict[str, Any]:
        return {
            "room": self.room,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "wanted": [self.wanted.start.isoformat(), self.wanted.end.isoformat()],
            "attendees": self.attendees,
            "others": list(self.others),
        }

    @classmethod
    def read(cls, terms: Mapping[str, Any]) -> RoomOffer | None:
        """The offer `terms` hold, or None when they are not what `terms()` writes."""
        try:
            start, end = _moment(terms["start"]), _moment(terms["end"])
            wanted = Interval(*(_moment(moment) for moment in terms["wanted"]))
            room, attendees, others = terms["room"], terms.get("attendees"), terms.get("others") or []
        except (KeyError, TypeError, ValueError):
            return None
        if not _is_room_id(room) or not (start < end and wanted.start < wanted.end):
            return None
        if attendees is not None and (type(attendees) is not int or attendees < 1):
            return None
        if not isinstance(others, list) or len(others) > MOST_OTHERS or not all(map(_is_room_id, others)):
            return None
        return cls(room, start, end, wanted, attendees, tuple(others))

    def next(self) -> RoomOffer | None:
        """The same time in the next of `others`, when there is one."""
        if not self.others:
            return None
        return RoomOffer(self.others[0], self.start, self.end, self.wanted, self.attendees, self.others[1:])


def _is_room_id(value: object) -> bool:
    return isinstance(value, str) and ID_RE.match(value) is not None


def _moment(value: object) -> datetime:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError("a moment without its offset")
    return moment


def _make(handler_input: HandlerInput, offer: RoomOffer, said: str, question: str) -> Response:
    return offers.make(handler_input, offers.Offer(CAPABILITY, offer.terms()), said, question)


def _floor(ctx: RequestContext, room: Room) -> str:
    return Ssml(message(ctx.locale, "find.floor", floor=room.floor)) if room.floor is not None else ""


def _offer_found(
    handler_input: HandlerInput, ctx: RequestContext, offer: RoomOffer, taken: tuple[str, str] | None = None
) -> Response:
    """Offer what a search found: `offer.room` free for the time asked ("Everest is free on floor 5. Shall I
    book it?"), or free from later on. `taken` is (message key, room name) for the room the listener asked for,
    taken then, when the offer is of another room for the same time."""
    room = ctx.services.rooms.get(offer.room)
    while room is None and (following := offer.next()) is not None:
        offer, room = following, ctx.services.rooms.get(following.room)
    if room is None:
        return tell(handler_input, message(ctx.locale, "find.none"))
    tz, locale = ctx.caller.timezone, ctx.locale
    if offer.start > offer.wanted.start:
        when = Ssml(speech.when_words(offer.start, tz, ctx.now, locale))
        said = message(locale, "find.later", room=room.name, when=when)
        return _make(handler_input, offer, said, message(locale, "find.later.again", room=room.name, when=when))
    question = message(locale, "find.offer.again", room=room.name)
    if taken is not None:
        said = message(locale, taken[0], room=taken[1], other=room.name, floor=_floor(ctx, room))
    else:
        said = message(locale, "find.offer", room=room.name, floor=_floor(ctx, room))
    return _make(handler_input, offer, said, question)


def _offer_instead(
    handler_input: HandlerInput, ctx: RequestContext, room: Room, found: Alternative | None, attendees: int | None
) -> Response:
    """Offer what comes nearest to `room`, taken for the time asked: its free start, its next free time,
    another room (or say there is nothing today)."""
    if found is None:
        return tell(handler_input, message(ctx.locale, "taken.none", room=room.name))
    offer, now = RoomOffer.of(found, attendees), found.wanted.start <= ctx.now
    if found.room.id != room.id:
        return _offer_found(handler_input, ctx, offer, ("offer.elsewhere_now" if now else "offer.elsewhere", room.name))
    tz, locale = ctx.caller.timezone, ctx.locale
    if found.interval.start == found.wanted.start:
        until = speech.clock_words(found.interval.end, tz, locale)
        said = message(locale, "offer.until", room=room.name, until=until)
        return _make(handler_input, offer, said, message(locale, "offer.until.again", room=room.name, until=until))
    start = speech.clock_words(found.interval.start, tz, locale)
    said = message(locale, "offer.later_now" if now else "offer.later", room=room.name, start=start)
    return _make(handler_input, offer, said, message(locale, "offer.later.again", room=room.name, start=start))


def _no_current(ctx: RequestContext) -> str:
    if ctx.caller.is_shared:
        return message(ctx.locale, "current.none")
    return message(ctx.locale, "current.none.personal")


class RoomIntentHandler(IntentHandler):
    feature = "booking"


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
    """ "find a room for six people with video": free rooms, nearest first, offered one at a time; and "find
    another room" in answer to a room on offer: a search for the time first asked, that room left out."""

    intent = "FindRoomIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        said_duration = dialog.slot_value(handler_input, "duration")
        duration = parse_duration(said_duration) if said_duration else rooms.DEFAULT_FIND_DURATION
        request = _request(handler_input, ctx, duration)
        answering, exclude = RoomOfferAnswer.pending(handler_input), set[str]()
        if answering is not None and not any(dialog.slot_value(handler_input, s) for s in ("date", "startTime")):
            start = max(answering.wanted.start, ctx.now)
            length = answering.wanted.end - start if said_duration is None else duration
            request = BookingRequest(start, length, request.attendees or answering.attendees)
            exclude = {answering.room}
        feature = dialog.resolved_id(handler_input, "feature") or dialog.slot_value(handler_input, "feature")
        features = [feature.casefold()] if feature else []
        found = ctx.services.rooms.find(ctx.caller, request, features, ctx.now, exclude=exclude)
        if found is None:
            return tell(handler_input, message(ctx.locale, "find.none"))
        return _offer_found(handler_input, ctx, RoomOffer.of(found, request.attendees))


class RoomOfferAnswer(RoomIntentHandler, OfferAnswerHandler[RoomOffer]):
    """An answer to a room on offer (`RoomOffer`)."""

    capability = CAPABILITY
    read = staticmethod(RoomOffer.read)


class YesHandler(RoomOfferAnswer):
    """ "yes" to a room on offer: booked for the time offered (taken meanwhile: the next free room is offered)."""

    intent = offers.YES

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        offer = self.offered(handler_input)
        room = ctx.services.rooms.get(offer.room)
        start = max(offer.start, ctx.now)
        if room is not None:
            request = BookingRequest(start, offer.end - start, offer.attendees)
            try:
                booking = ctx.services.rooms.book(ctx.caller, room, request, ctx.now, ctx.request_id)
            except RoomTakenError:  # taken since it was offered
                pass
            else:
                return tell(handler_input, _booked(ctx, booking, room))
        following = offer.next()
        name = room.name if room else offer.room
        if following is None:
            return tell(handler_input, message(ctx.locale, "find.taken_none", room=name))
        return _offer_found(handler_input, ctx, following, ("find.taken_offer", name))


class NoHandler(RoomOfferAnswer):
    """ "no" to a room on offer: the next free room a search found, or nothing booked."""

    intent = offers.NO

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        following = self.offered(handler_input).next()
        if following is None:
            return tell(handler_input, message(ctx.locale, "book.denied"))
        return _offer_found(handler_input, ctx, following)


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
        how = "partly" if outcome.extended else "none"
        until = speech.clock_words(outcome.booking.end if outcome.extended else outcome.taken_from, tz, ctx.locale)
        other = outcome.alternative
        if other is None:
            return tell(handler_input, message(ctx.locale, f"extend.{how}", until=until, room=room.name))
        wanted = speech.clock_words(outcome.wanted_end, tz, ctx.locale)
        rest = Interval(outcome.booking.end, outcome.wanted_end)
        said = message(ctx.locale, f"extend.{how}_offer", until=until, room=room.name, other=other.name, wanted=wanted)
        question = message(ctx.locale, "extend.offer.again", other=other.name, wanted=wanted)
        return _make(handler_input, RoomOffer(other.id, rest.start, rest.end, rest), said, question)


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
        return speech.checked_in(
            ctx.caller, ctx.services.rooms.check_in(ctx.caller, booking, ctx.now), room, ctx.locale
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
    return ctx.services.rooms.by_id(room_id, ctx.caller).name


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
    """The room asked for is taken then: what comes nearest is offered (`_offer_instead`)."""

    error = RoomTakenError

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return super().can_handle(handler_input, exception) and is_intent_name(BookRoomIntentHandler.intent)(
            handler_input
        )

    def answer(self, handler_input: HandlerInput, ctx: RequestContext, error: Exception) -> Response:
        assert isinstance(error, RoomTakenError)
        room = _named_room(handler_input, ctx)
        said_duration = dialog.slot_value(handler_input, "duration")
        assert room is not None and said_duration is not None  # as BookRoomIntentHandler found them
        request = _request(handler_input, ctx, parse_duration(said_duration))
        found = ctx.services.rooms.instead(ctx.caller, room, request, ctx.now)
        return _offer_instead(handler_input, ctx, room, found, request.attendees)


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
