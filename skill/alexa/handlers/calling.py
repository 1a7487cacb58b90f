"""Intent handlers of the calling capability: call someone by name, dial a number, join the meeting.

A call is confirmed with Alexa's intent confirmation (`Dialog.ConfirmIntent`) before anything is dialled;
joining a meeting is confirmed on shared devices ("Join the 3 PM meeting?").
Two close names are asked back ("Alice Tanaka or Alice Chen?") with the candidates' directory ids kept in
the session. On a shared device numbers and PINs are never spoken, only names, and the session ends once
the call is placed.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.alexa import dialog
from skill.alexa.context import RequestContext
from skill.alexa.handlers.base import IntentHandler, tell
from skill.alexa.messages import message
from skill.alexa.progressive import send_progressive
from skill.alexa.speech import clock_words, may_describe
from skill.domain.dialing import to_e164
from skill.observability import logger
from skill.services import calling
from skill.services.calling import Ambiguous, Callee, CallOutcome, NotFound

SESSION_KEY = "calling"
# A call on its way: "placed" (the provider took it) or "requested" (it did not answer in time; it may ring).
PLACED = ("placed", "requested")


# ---------------------------------------------------------------- request helpers


def _side(ctx: RequestContext) -> str:
    return "shared" if ctx.caller.is_shared else "personal"


# ---------------------------------------------------------------- outcomes as speech


def _stopped(ctx: RequestContext, outcome: CallOutcome) -> str:
    """Why a call did not go ahead."""
    locale = ctx.locale
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
        if isinstance(found, NotFound):
            return tell(handler_input, _not_found(ctx, found, query or ""))
        if confirmation == "CONFIRMED":
            send_progressive(handler_input, message(ctx.locale, "progress.call"))
            outcome = ctx.services.calling.place(ctx.caller, found, request_id=ctx.request_id, now=ctx.now)
            _log_outcome(outcome)
            if outcome.result not in PLACED:
                return tell(handler_input, _stopped(ctx, outcome))
            return tell(handler_input, message(ctx.locale, f"call.{outcome.result}.{_side(ctx)}", name=found.name))
        checked = ctx.services.calling.check(ctx.caller, found, request_id=ctx.request_id, now=ctx.now)
        if checked.result != "ready":
            _log_outcome(checked)
            return tell(handler_input, _stopped(ctx, checked))
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


class JoinMeetingIntentHandler(IntentHandler):
    """ "join the meeting": the room's (or the user's) meeting now or within 15 minutes, with its digits."""

    intent = "JoinMeetingIntent"
    feature = "join-meeting"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        caller = ctx.caller
        confirmation = dialog.confirmation(handler_input)
        if confirmation == "DENIED":
            return tell(handler_input, message(ctx.locale, "join.denied"))
        if caller.is_shared and confirmation != "CONFIRMED":
            return self._ask_first(handler_input, ctx)
        send_progressive(handler_input, message(ctx.locale, "progress.join"))
        outcome = ctx.services.calling.join(caller, request_id=ctx.request_id, now=ctx.now)
        _log_outcome(outcome)
        if outcome.result not in PLACED:
            return tell(handler_input, _stopped(ctx, outcome))
        if caller.is_shared:
            return tell(handler_input, message(ctx.locale, f"join.{outcome.result}.shared"))
        meeting = outcome.meeting
        described = meeting is not None and meeting.subject and may_describe(caller, meeting)
        subject = meeting.subject if described and meeting else message(ctx.locale, "join.your_meeting")
        return tell(handler_input, message(ctx.locale, f"join.{outcome.result}.personal", subject=subject))

    @staticmethod
    def _ask_first(handler_input: HandlerInput, ctx: RequestContext) -> Response:
        """On a shared device: "Join the 3 PM meeting?" once the meeting's bridge may be dialled."""
        line = ctx.services.calling.check_join(ctx.caller, request_id=ctx.request_id, now=ctx.now)
        if isinstance(line, CallOutcome):
            _log_outcome(line)
            return tell(handler_input, _stopped(ctx, line))
        start = clock_words(line.meeting.start, ctx.caller.timezone, ctx.locale)
        question = message(ctx.locale, "join.confirm", time=start)
        return dialog.confirm(handler_input, question, dialog.updated_intent(handler_input))


HANDLERS: list[AbstractRequestHandler] = [
    CallContactIntentHandler(),
    DialNumberIntentHandler(),
    JoinMeetingIntentHandler(),
]
