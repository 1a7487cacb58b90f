"""Intent handlers of the calling capability: call someone by name, dial a number, join the meeting.

A call is confirmed with Alexa's intent confirmation (`Dialog.ConfirmIntent`) before anything is dialled;
joining a meeting is confirmed on shared devices ("Join the 3 PM meeting?"). Joining from a room's own device
("start the meeting") checks the room's booking in as well; with no meeting to dial into, or on a device
without the join-meeting feature, that check-in is the answer.
Two close names are asked back ("Alice Tanaka or Alice Chen?") with the candidates' directory ids kept in
the session. A refusal says why and what works instead: a phone type someone does not have is offered on
the phone they do have (the session's pending offer, skill/alexa/offers.py, which AMAZON.YesIntent places and
AMAZON.NoIntent declines); a call a shared device may not make is pointed to the caller's own phone. On a
shared device numbers and PINs are never spoken, only names, and the session ends once the call is placed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.alexa import dialog, offers, speech
from skill.alexa.context import RequestContext, context
from skill.alexa.handlers.base import IntentHandler, OfferAnswerHandler, tell
from skill.alexa.messages import message
from skill.alexa.progressive import send_progressive
from skill.alexa.speech import clock_words, may_describe
from skill.domain.dialing import to_e164
from skill.domain.model import Booking
from skill.observability import logger
from skill.services import calling
from skill.services.calling import Ambiguous, Callee, CallOutcome, NotFound

SESSION_KEY = "calling"
CAPABILITY = "calling"
CHECK_IN_FEATURE = "booking"  # the rooms capability's: a device with it may check a booking in
# A call on its way: "placed" (the provider took it) or "requested" (it did not answer in time; it may ring).
PLACED = ("placed", "requested")


# ---------------------------------------------------------------- request helpers


def _side(ctx: RequestContext) -> str:
    return "shared" if ctx.caller.is_shared else "personal"


# ---------------------------------------------------------------- outcomes as speech


def _stopped(ctx: RequestContext, outcome: CallOutcome, callee: Callee | None = None) -> str:
    """Why a call (to `callee`, or to a number said) did not go ahead; a call a shared device may not make is
    pointed to the caller's own phone."""
    locale = ctx.locale
    if outcome.result == "refused" and outcome.reason == "not_allowed_on_shared":
        if callee is None:
            return message(locale, "call.not_here.numbers")
        return message(locale, f"call.not_here.{callee.kind}", name=callee.name)
    if outcome.result == "refused":
        return message(locale, f"call.refused.{outcome.reason}")
    if outcome.result == "no_phone":
        return message(locale, f"call.no_phone.{outcome.reason}")
    if outcome.result in ("invalid", "no_meeting", "no_dial_in"):
        return message(locale, "call.invalid" if outcome.result == "invalid" else f"join.{outcome.result}")
    return message(locale, "call.failed")


def _phone_word(ctx: RequestContext, phone_type: str | None) -> str:
    if phone_type in calling.DEFAULT_PHONE_ORDER:
        return message(ctx.locale, f"call.phone.{phone_type}")
    return phone_type or ""


def _not_found(ctx: RequestContext, found: NotFound, query: str) -> str:
    if found.reason == "no_such_phone":
        return message(ctx.locale, "call.no_such_phone", phone=_phone_word(ctx, found.phone_type), name=found.name)
    if found.reason == "no_number":
        return message(ctx.locale, "call.no_number", name=found.name)
    return message(ctx.locale, "call.nobody", name=query)


def _placed(handler_input: HandlerInput, ctx: RequestContext, callee: Callee) -> Response:
    """Place the call to `callee` the listener asked for, and say how it went."""
    send_progressive(handler_input, message(ctx.locale, "progress.call"))
    outcome = ctx.services.calling.place(ctx.caller, callee, request_id=ctx.request_id, now=ctx.now)
    _log_outcome(outcome)
    if outcome.result not in PLACED:
        return tell(handler_input, _stopped(ctx, outcome, callee))
    return tell(handler_input, message(ctx.locale, f"call.{outcome.result}.{_side(ctx)}", name=callee.name))


def _offer_other_phone(handler_input: HandlerInput, ctx: RequestContext, found: NotFound, query: str) -> Response:
    """Someone without the phone type asked for: their usual phone is offered instead."""
    other = found.usual
    if other is None:
        return tell(handler_input, _not_found(ctx, found, query))
    phone = _phone_word(ctx, other.phone_type)
    said = message(
        ctx.locale, "call.other_phone", phone=_phone_word(ctx, found.phone_type), name=other.name, other=phone
    )
    offer = offers.Offer(CAPABILITY, {"callee": other.id, "phoneType": other.phone_type})
    return offers.make(handler_input, offer, said, message(ctx.locale, "call.confirm", name=other.name, phone=phone))


def _log_outcome(outcome: CallOutcome) -> None:
    logger.info(
        "call outcome",
        extra={
            "call_id": outcome.call_id,
            "result": outcome.result,
            "reason": outcome.reason,
            "repeated": outcome.repeated,
        },
    )


# ---------------------------------------------------------------- handlers


class CallContactIntentHandler(IntentHandler):
    """ "call Alice on her mobile", "call reception", and the answer to "Alice Tanaka or Alice Chen?"."""

    intent = "CallContactIntent"
    feature = "calling"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        session = dialog.session(handler_input)
        pending: dict[str, Any] = session.pop(SESSION_KEY, None) or {}
        confirmation = dialog.confirmation(handler_input)
        if confirmation == "DENIED":
            return tell(handler_input, message(ctx.locale, "call.denied"))
        query = dialog.slot_value(handler_input, "contact")
        phone_type = dialog.resolved_id(handler_input, "phoneType") or dialog.slot_value(handler_input, "phoneType")
        phone_type = phone_type or pending.get("phoneType")
        found = ctx.services.calling.callee(
            query,
            phone_type,
            ctx.caller,
            entity_id=dialog.resolved_id(handler_input, "contact"),
            chosen=pending.get("callee") if confirmation == "CONFIRMED" else None,
            candidates=pending.get("candidates") or (),
        )
        if found is None:
            return dialog.elicit(
                handler_input, message(ctx.locale, "call.ask_who"), "contact", dialog.current_intent(handler_input)
            )
        if isinstance(found, Ambiguous):
            session[SESSION_KEY] = {"candidates": found.ids, "phoneType": phone_type}
            first, second = found.candidates[:2]
            question = message(ctx.locale, "call.which", first=first.name, second=second.name)
            return dialog.elicit(handler_input, question, "contact", dialog.updated_intent(handler_input, contact=None))
        if isinstance(found, NotFound) and found.reason == "no_such_phone":
            return _offer_other_phone(handler_input, ctx, found, query or "")
        if isinstance(found, NotFound):
            return tell(handler_input, _not_found(ctx, found, query or ""))
        if confirmation == "CONFIRMED":
            return _placed(handler_input, ctx, found)
        checked = ctx.services.calling.check(ctx.caller, found, request_id=ctx.request_id, now=ctx.now)
        if checked.result != "ready":
            _log_outcome(checked)
            return tell(handler_input, _stopped(ctx, checked, found))
        session[SESSION_KEY] = {"callee": found.id, "phoneType": found.phone_type}
        return dialog.confirm(
            handler_input,
            self._question(ctx, found),
            dialog.updated_intent(handler_input, contact=found.name, phoneType=found.phone_type),
        )

    @staticmethod
    def _question(ctx: RequestContext, callee: Callee) -> str:
        if callee.id == calling.RECEPTION_ID:
            return message(ctx.locale, "call.confirm.reception")
        return message(ctx.locale, "call.confirm", name=callee.name, phone=_phone_word(ctx, callee.phone_type))


class DialNumberIntentHandler(IntentHandler):
    """ "dial 03 1234 5678": confirmed first; a shared device never reads the number back."""

    intent = "DialNumberIntent"
    feature = "calling"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        dialog.session(handler_input).pop(SESSION_KEY, None)
        confirmation = dialog.confirmation(handler_input)
        if confirmation == "DENIED":
            return tell(handler_input, message(ctx.locale, "call.denied"))
        number = dialog.slot_value(handler_input, "phoneNumber")
        if not number:
            return dialog.elicit(
                handler_input,
                message(ctx.locale, "call.ask_number"),
                "phoneNumber",
                dialog.current_intent(handler_input),
            )
        service = ctx.services.calling
        if confirmation == "CONFIRMED":
            send_progressive(handler_input, message(ctx.locale, "progress.call"))
            outcome = service.place(ctx.caller, number, request_id=ctx.request_id, now=ctx.now)
        else:
            outcome = service.check(ctx.caller, number, request_id=ctx.request_id, now=ctx.now)
        if outcome.result != "ready":
            _log_outcome(outcome)
        if outcome.result not in ("ready", *PLACED):
            return tell(handler_input, _stopped(ctx, outcome))
        # Only a personal device hears the number read back.
        spoken = {} if ctx.caller.is_shared else {"number": to_e164(number, ctx.caller.site.country)}
        if outcome.result in PLACED:
            return tell(handler_input, message(ctx.locale, f"call.{outcome.result}_number.{_side(ctx)}", **spoken))
        question = message(ctx.locale, f"call.confirm_number.{_side(ctx)}", **spoken)
        return dialog.confirm(handler_input, question, dialog.updated_intent(handler_input))


class CallOfferAnswer(OfferAnswerHandler[tuple[str, str]]):
    """An answer to a call on offer: its terms are (directory id, phone type)."""

    capability = CAPABILITY
    feature = "calling"

    @staticmethod
    def read(terms: Mapping[str, Any]) -> tuple[str, str] | None:
        callee, phone_type = terms.get("callee"), terms.get("phoneType")
        return (callee, phone_type) if isinstance(callee, str) and isinstance(phone_type, str) else None


class CallOfferYesHandler(CallOfferAnswer):
    """ "yes" to a call on offer (someone's other phone): placed, as a confirmed call is."""

    intent = offers.YES

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        callee_id, phone_type = self.offered(handler_input)
        callee = ctx.services.calling.callee(None, phone_type, ctx.caller, chosen=callee_id)
        if not isinstance(callee, Callee):
            return tell(handler_input, message(ctx.locale, "call.nobody_heard"))
        return _placed(handler_input, ctx, callee)


class CallOfferNoHandler(CallOfferAnswer):
    """ "no" to a call on offer: nothing is dialled."""

    intent = offers.NO

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        return tell(handler_input, message(ctx.locale, "call.denied"))


class JoinMeetingIntentHandler(IntentHandler):
    """ "join the meeting", "start the meeting", "connect me to the conference call": the room's (or the user's)
    meeting now or within 15 minutes, with its digits. From a room's own device the room's booking on now is
    checked in first; with no meeting to dial into, the answer is that check-in. A device without the
    join-meeting feature checks the booking in and does nothing else."""

    intent = "JoinMeetingIntent"
    feature = "join-meeting"

    def handle(self, handler_input: HandlerInput) -> Response:
        ctx = context(handler_input)
        if ctx.caller.allows(self.feature) or not ctx.caller.allows(CHECK_IN_FEATURE):
            return super().handle(handler_input)
        checked = ctx.services.rooms.check_in_here(ctx.caller, ctx.now)
        if checked is None:
            return tell(handler_input, message(ctx.locale, "not_allowed"))
        return tell(handler_input, self._checked_in(ctx, checked))

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        caller = ctx.caller
        confirmation = dialog.confirmation(handler_input)
        if confirmation == "DENIED":
            return tell(handler_input, message(ctx.locale, "join.denied"))
        checked = None
        if confirmation == "NONE" and caller.allows(CHECK_IN_FEATURE):
            checked = ctx.services.rooms.check_in_here(caller, ctx.now)
        if caller.is_shared and confirmation != "CONFIRMED":
            return self._ask_first(handler_input, ctx, checked)
        send_progressive(handler_input, message(ctx.locale, "progress.join"))
        outcome = ctx.services.calling.join(caller, request_id=ctx.request_id, now=ctx.now)
        _log_outcome(outcome)
        if outcome.result not in PLACED:
            return tell(handler_input, self._not_joined(ctx, outcome, checked))
        if caller.is_shared:
            return tell(handler_input, message(ctx.locale, f"join.{outcome.result}.shared"))
        meeting = outcome.meeting
        described = meeting is not None and meeting.subject and may_describe(caller, meeting)
        subject = meeting.subject if described and meeting else message(ctx.locale, "join.your_meeting")
        return tell(handler_input, message(ctx.locale, f"join.{outcome.result}.personal", subject=subject))

    @classmethod
    def _ask_first(cls, handler_input: HandlerInput, ctx: RequestContext, checked: Booking | None) -> Response:
        """On a shared device: "Join the 3 PM meeting?" once the meeting's bridge may be dialled."""
        line = ctx.services.calling.check_join(ctx.caller, request_id=ctx.request_id, now=ctx.now)
        if isinstance(line, CallOutcome):
            _log_outcome(line)
            return tell(handler_input, cls._not_joined(ctx, line, checked))
        start = clock_words(line.meeting.start, ctx.caller.timezone, ctx.locale)
        question = message(ctx.locale, "join.confirm", time=start)
        return dialog.confirm(handler_input, question, dialog.updated_intent(handler_input))

    @classmethod
    def _not_joined(cls, ctx: RequestContext, outcome: CallOutcome, checked: Booking | None) -> str:
        """Why there is nothing to join, or, when the room's booking was checked in instead, that check-in."""
        if checked is not None and outcome.result in ("no_meeting", "no_dial_in"):
            return cls._checked_in(ctx, checked)
        return _stopped(ctx, outcome)

    @staticmethod
    def _checked_in(ctx: RequestContext, checked: Booking) -> str:
        room = ctx.services.rooms.of_booking(checked, ctx.caller)
        return speech.checked_in(ctx.caller, checked, room, ctx.locale)


HANDLERS: list[AbstractRequestHandler] = [
    CallContactIntentHandler(),
    DialNumberIntentHandler(),
    JoinMeetingIntentHandler(),
    CallOfferYesHandler(),
    CallOfferNoHandler(),
]
