"""Intent handlers of the reception capability: visitor check-in and check-out at the lobby, and
announcing a visitor from a personal device.

The dialog is driven by the skill (`Dialog.ElicitSlot`, `Dialog.ConfirmIntent`): a missing slot is
asked for, an unclear host is narrowed down to one of two names (their ids kept in the session), and
nothing is written before the visitor confirms. Check-out asks for a visitor's whole name, asks once more
when what was said is not one (the same words whether or not anyone by part of it is on site), confirms it
("Check out Johanna Smith?") and speaks back only the name as the speaker said it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.alexa import dialog, speech
from skill.alexa.context import RequestContext
from skill.alexa.handlers.base import IntentHandler, tell
from skill.alexa.messages import message
from skill.domain.directory import DirectoryEntry, pick
from skill.services import reception

CANDIDATES = "reception.candidates"  # host ids offered by "A or B?"
HOST = "reception.host"  # {"id": chosen host id, "query": the host slot value it was chosen for}
CHECKOUT_TRIES = "reception.checkout_tries"  # names said at check-out that were not a visitor's whole name
MAX_CHECKOUT_TRIES = 2
CHECK_IN_SLOTS = ("visitorName", "host", "company")
EXPECT_SLOTS = ("visitorName", "date", "startTime")
PARTS_OF_DAY = {"MO": time(10, 0), "AF": time(14, 0), "EV": time(18, 0)}


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


class VisitorCheckInIntentHandler(IntentHandler):
    intent = "VisitorCheckInIntent"
    feature = "reception"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        session = dialog.session(handler_input)
        if dialog.confirmation(handler_input) == "DENIED":
            session.pop(CANDIDATES, None)
            session.pop(HOST, None)
            cleared = dialog.updated_intent(handler_input, CHECK_IN_SLOTS, **dict.fromkeys(CHECK_IN_SLOTS))
            return dialog.elicit(handler_input, message(ctx.locale, "checkin.restart"), "visitorName", cleared)
        visitor = dialog.slot_value(handler_input, "visitorName")
        host_query = dialog.slot_value(handler_input, "host")
        company = dialog.slot_value(handler_input, "company")
        if visitor is None:
            ask_name = message(ctx.locale, "checkin.ask_name")
            return dialog.elicit(
                handler_input, ask_name, "visitorName", dialog.updated_intent(handler_input, CHECK_IN_SLOTS)
            )
        if host_query is None:
            ask_host = message(ctx.locale, "checkin.ask_host", visitor=_first_name(visitor))
            return dialog.elicit(handler_input, ask_host, "host", dialog.updated_intent(handler_input, CHECK_IN_SLOTS))

        service = ctx.services.reception
        offered = [*(session.get(CANDIDATES) or ()), (session.get(HOST) or {}).get("id", "")]
        directory = service.hosts(host_query, offered)
        host = self._host(session, host_query, directory)
        if host is None:
            found = reception.find_host(host_query, directory)
            if found.is_ambiguous:
                first, second = found.candidates[:2]
                session[CANDIDATES] = [first.id, second.id]
                which = message(ctx.locale, "checkin.which", first=first.name, second=second.name)
                return dialog.elicit(
                    handler_input, which, "host", dialog.updated_intent(handler_input, CHECK_IN_SLOTS, host=None)
                )
            if found.match is None:
                session.pop(CANDIDATES, None)
                no_match = message(ctx.locale, "checkin.no_match")
                return dialog.elicit(
                    handler_input,
                    no_match,
                    "host",
                    dialog.updated_intent(handler_input, CHECK_IN_SLOTS, host=None),
                )
            host = found.match
        session.pop(CANDIDATES, None)
        session[HOST] = {"id": host.id, "query": host.name}

        if dialog.confirmation(handler_input) == "NONE":
            key = "checkin.confirm_company" if company else "checkin.confirm"
            question = message(ctx.locale, key, visitor=visitor, company=company or "", host=host.name)
            return dialog.confirm(
                handler_input, question, dialog.updated_intent(handler_input, CHECK_IN_SLOTS, host=host.name)
            )

        outcome = service.check_in(ctx.caller, visitor, host_query, company, ctx.now, ctx.request_id, host_id=host.id)
        session.pop(HOST, None)
        key = "checkin.done_expected" if outcome.expected else "checkin.done"
        return tell(handler_input, message(ctx.locale, key, visitor=_first_name(visitor), host=_first_name(host.name)))

    @staticmethod
    def _host(session: dict[str, Any], host_query: str, directory: list[DirectoryEntry]) -> DirectoryEntry | None:
        """The host already settled in this dialog: picked from the two offered, or chosen before."""
        by_id = {entry.id: entry for entry in directory}
        offered = [by_id[i] for i in session.get(CANDIDATES) or () if i in by_id]
        if offered:
            return pick(host_query, offered)
        chosen = session.get(HOST) or {}
        if chosen.get("query") == host_query:
            return by_id.get(chosen.get("id", ""))
        return None


class VisitorCheckOutIntentHandler(IntentHandler):
    intent = "VisitorCheckOutIntent"
    feature = "reception"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        session = dialog.session(handler_input)
        confirmation = dialog.confirmation(handler_input)
        if confirmation == "DENIED":
            session.pop(CHECKOUT_TRIES, None)
            return tell(handler_input, message(ctx.locale, "checkout.denied"))
        name = dialog.slot_value(handler_input, "visitorName")
        service = ctx.services.reception
        outcome = (
            service.check_out(name, ctx.caller, ctx.now)
            if confirmation == "CONFIRMED"
            else service.leaving(name, ctx.caller.site.id)
        )
        said = " ".join((name or "").split())
        if outcome.status == "found":
            question = message(ctx.locale, "checkout.confirm", visitor=said)
            return dialog.confirm(handler_input, question, dialog.updated_intent(handler_input, ("visitorName",)))
        if outcome.status == "checked_out":
            session.pop(CHECKOUT_TRIES, None)
            return tell(handler_input, message(ctx.locale, "checkout.done", visitor=_first_name(said)))
        tries = int(session.get(CHECKOUT_TRIES) or 0) + (outcome.status == "unclear")
        if tries >= MAX_CHECKOUT_TRIES:
            session.pop(CHECKOUT_TRIES, None)
            return tell(handler_input, message(ctx.locale, "checkout.not_found"))
        session[CHECKOUT_TRIES] = tries
        key = "checkout.ask_name" if outcome.status == "need_name" else "checkout.full_name"
        slots = dialog.updated_intent(handler_input, ("visitorName",), visitorName=None)
        return dialog.elicit(handler_input, message(ctx.locale, key), "visitorName", slots)


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def _parse_time(value: str) -> time | None:
    if value in PARTS_OF_DAY:
        return PARTS_OF_DAY[value]
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


class ExpectVisitorIntentHandler(IntentHandler):
    intent = "ExpectVisitorIntent"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        user = ctx.caller.user
        if not ctx.caller.is_personal or user is None:
            return tell(handler_input, message(ctx.locale, "expect.personal_only"))
        if dialog.confirmation(handler_input) == "DENIED":
            return tell(handler_input, message(ctx.locale, "expect.denied"))
        visitor = dialog.slot_value(handler_input, "visitorName")
        said_day = dialog.slot_value(handler_input, "date")
        said_time = dialog.slot_value(handler_input, "startTime")
        if visitor is None:
            slots = dialog.updated_intent(handler_input, EXPECT_SLOTS)
            return dialog.elicit(handler_input, message(ctx.locale, "expect.ask_name"), "visitorName", slots)
        if said_day is None or (day := _parse_date(said_day)) is None:
            key = "expect.ask_date" if said_day is None else "expect.bad_date"
            slots = dialog.updated_intent(handler_input, EXPECT_SLOTS, date=None)
            return dialog.elicit(handler_input, message(ctx.locale, key, visitor=visitor), "date", slots)
        if said_time is None or (at_time := _parse_time(said_time)) is None:
            key = "expect.ask_time" if said_time is None else "expect.bad_time"
            slots = dialog.updated_intent(handler_input, EXPECT_SLOTS, startTime=None)
            return dialog.elicit(handler_input, message(ctx.locale, key), "startTime", slots)
        at = datetime.combine(day, at_time, tzinfo=ZoneInfo(ctx.caller.site.timezone))
        if at < ctx.now:
            slots = dialog.updated_intent(handler_input, EXPECT_SLOTS, date=None, startTime=None)
            return dialog.elicit(handler_input, message(ctx.locale, "expect.past", visitor=visitor), "date", slots)
        if dialog.confirmation(handler_input) == "NONE":
            spoken_day = speech.spoken_date(at.date(), ctx.locale)
            spoken_time = speech.spoken_time(at.time(), ctx.locale)
            question = message(ctx.locale, "expect.confirm", visitor=visitor, day=spoken_day, time=spoken_time)
            return dialog.confirm(handler_input, question, dialog.updated_intent(handler_input, EXPECT_SLOTS))
        ctx.services.reception.expect(user, visitor, None, at, ctx.caller.site)
        return tell(handler_input, message(ctx.locale, "expect.done", visitor=_first_name(visitor)))


HANDLERS: list[AbstractRequestHandler] = [
    VisitorCheckInIntentHandler(),
    VisitorCheckOutIntentHandler(),
    ExpectVisitorIntentHandler(),
]
