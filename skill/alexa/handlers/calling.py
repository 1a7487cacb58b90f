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
from skill.domain import fleet as codec
from skill.domain.dialing import to_e164
from skill.domain.model import CallingPolicy, Fleet
from skill.observability import logger
from skill.services import calling
from skill.services.calling import Ambiguous, Callee, CallOutcome, NotFound

SESSION_KEY = "calling"


# ---------------------------------------------------------------- request helpers


def _policy(ctx: RequestContext) -> CallingPolicy:
    doc = ctx.container.fleet.docs("calling").get("site")
    return codec.calling_from_doc(doc) if doc else CallingPolicy()


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


def _place(ctx: RequestContext, target: calling.Target, policy: CallingPolicy) -> CallOutcome:
    container = ctx.container
    return calling.place_call(
        ctx.caller,
        target,
        policy=policy,
        dialer=container.dialer,
        log=container.calls,
        provider=container.dialer_provider,
        request_id=ctx.request_id,
        now=ctx.now,
    )


def _check(ctx: RequestContext, target: calling.Target, policy: CallingPolicy) -> CallOutcome:
    return calling.check_call(
        ctx.caller,
        target,
        policy=policy,
        log=ctx.container.calls,
        provider=ctx.container.dialer_provider,
        request_id=ctx.request_id,
        now=ctx.now,
    )


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
        fleet = ctx.container.fleet.load_fleet()
        found = self._callee(handler_input, ctx, fleet, pending, query, phone_type, confirmation == "CONFIRMED")
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
            outcome = _place(ctx, found, fleet.calling)
            _log_outcome(outcome)
            if outcome.result != "placed":
                return tell(handler_input, _stopped(ctx, outcome))
            return tell(handler_input, message(ctx.locale, f"call.placed.{_side(ctx)}", name=found.name))
        checked = _check(ctx, found, fleet.calling)
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
    def _callee(
        handler_input: HandlerInput,
        ctx: RequestContext,
        fleet: Fleet,
        pending: dict[str, Any],
        query: str | None,
        phone_type: str | None,
        confirmed: bool,
    ) -> Callee | Ambiguous | NotFound | None:
        party = calling.directory(fleet).get(pending.get("callee", "")) if confirmed else None
        if party is not None:
            return calling.callee_of(party, phone_type)
        if not query:
            return None
        if pending.get("candidates"):
            return calling.pick_callee(query, pending["candidates"], phone_type, ctx.caller, fleet)
        entity_id = dialog.resolved_id(handler_input, "contact")
        return calling.resolve_callee(query, phone_type, ctx.caller, fleet, entity_id=entity_id)

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
        policy = _policy(ctx)
        if confirmation == "CONFIRMED":
            send_progressive(handler_input, message(ctx.locale, "progress.call"))
        outcome = _place(ctx, number, policy) if confirmation == "CONFIRMED" else _check(ctx, number, policy)
        if outcome.result not in ("ready", "placed"):
            _log_outcome(outcome)
            return tell(handler_input, _stopped(ctx, outcome))
        # Only a personal device hears the number read back.
        spoken = {} if ctx.caller.is_shared else {"number": to_e164(number, ctx.caller.site.country)}
        if outcome.result == "placed":
            _log_outcome(outcome)
            return tell(handler_input, message(ctx.locale, f"call.placed_number.{_side(ctx)}", **spoken))
        question = message(ctx.locale, f"call.confirm_number.{_side(ctx)}", **spoken)
        return dialog.confirm(handler_input, question, dialog.updated_intent(handler_input))


class JoinMeetingIntentHandler(IntentHandler):
    """ "join the meeting": the room's (or the user's) meeting now or within 15 minutes, with its digits."""

    intent = "JoinMeetingIntent"
    feature = "join-meeting"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        caller, container = ctx.caller, ctx.container
        confirmation = dialog.confirmation(handler_input)
        if confirmation == "DENIED":
            return tell(handler_input, message(ctx.locale, "join.denied"))
        if caller.is_shared and confirmation != "CONFIRMED":
            return self._ask_first(handler_input, ctx)
        send_progressive(handler_input, message(ctx.locale, "progress.join"))
        busy = calling.meetings_soon(caller, container.bookings, ctx.now)
        outcome = calling.join_meeting(
            caller,
            busy,
            ctx.now,
            policy=_policy(ctx),
            dialer=container.dialer,
            log=container.calls,
            provider=container.dialer_provider,
            request_id=ctx.request_id,
        )
        _log_outcome(outcome)
        if outcome.result != "placed":
            return tell(handler_input, _stopped(ctx, outcome))
        if caller.is_shared:
            return tell(handler_input, message(ctx.locale, "join.placed.shared"))
        meeting = outcome.meeting
        described = meeting is not None and meeting.subject and may_describe(caller, meeting)
        subject = meeting.subject if described and meeting else message(ctx.locale, "join.your_meeting")
        return tell(handler_input, message(ctx.locale, "join.placed.personal", subject=subject))

    @staticmethod
    def _ask_first(handler_input: HandlerInput, ctx: RequestContext) -> Response:
        """On a shared device: "Join the 3 PM meeting?" once the meeting's bridge may be dialled."""
        policy = _policy(ctx)
        busy = calling.meetings_soon(ctx.caller, ctx.container.bookings, ctx.now)
        line = calling.meeting_line(ctx.caller, busy, ctx.now, policy.allowed_countries)
        checked = line if isinstance(line, CallOutcome) else _check(ctx, line, policy)
        if checked.result != "ready":
            _log_outcome(checked)
            return tell(handler_input, _stopped(ctx, checked))
        assert isinstance(line, calling.MeetingLine)
        start = clock_words(line.meeting.start, ctx.caller.timezone, ctx.locale)
        question = message(ctx.locale, "join.confirm", time=start)
        return dialog.confirm(handler_input, question, dialog.updated_intent(handler_input))


HANDLERS: list[AbstractRequestHandler] = [
    CallContactIntentHandler(),
    DialNumberIntentHandler(),
    JoinMeetingIntentHandler(),
]
