"""Intent handlers of the facilities capability: a room problem reported by voice ("the projector is broken").

A room device (and a lobby device: a shared device always stands in a room) reports for its own room, and
says so when another room is named. A personal device has no room of its own, so its user names one ("report a
problem in Fuji"), and is asked which when they did not. A problem not said is asked for
(`Dialog.ElicitSlot`); once stored, the answer says it back briefly. A room name we do not know is asked again.
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.alexa import dialog
from skill.alexa.context import RequestContext
from skill.alexa.handlers.base import ErrorHandler, IntentHandler, tell
from skill.alexa.messages import message
from skill.domain.errors import NotFoundError
from skill.domain.facilities import clean_problem

PROBLEM_SLOTS = ("problem", "room")
# A problem longer than this is not read back: the answer only says it was reported.
MAX_SPOKEN_PROBLEM = 80


class ReportProblemIntentHandler(IntentHandler):
    intent = "ReportProblemIntent"
    feature = "facilities"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext) -> Response:
        caller = ctx.caller
        said_room = dialog.slot_value(handler_input, "room")
        # This room on a shared device; a named room; None on a personal device that named none.
        room = ctx.services.rooms.resolve(said_room, caller, entity_id=dialog.resolved_id(handler_input, "room"))
        if caller.is_shared and caller.room is not None and room is not None and room.id != caller.room.id:
            return tell(handler_input, message(ctx.locale, "problem.this_room_only", room=caller.room.name))
        problem = clean_problem(dialog.slot_value(handler_input, "problem"))
        if not problem:
            slots = dialog.updated_intent(handler_input, PROBLEM_SLOTS, problem=None)
            return dialog.elicit(handler_input, message(ctx.locale, "problem.ask"), "problem", slots)
        if room is None:
            slots = dialog.updated_intent(handler_input, PROBLEM_SLOTS, room=None)
            return dialog.elicit(handler_input, message(ctx.locale, "problem.ask_room"), "room", slots)
        stored = ctx.services.facilities.report(caller, room, problem, ctx.now, ctx.request_id)
        if len(stored.problem) > MAX_SPOKEN_PROBLEM:
            return tell(handler_input, message(ctx.locale, "problem.done_long", room=room.name))
        return tell(handler_input, message(ctx.locale, "problem.done", room=room.name, problem=stored.problem))


class UnknownRoomHandler(ErrorHandler):
    """A room name we do not know: asked again."""

    error = NotFoundError

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return super().can_handle(handler_input, exception) and getattr(exception, "kind", None) == "room"

    def answer(self, handler_input: HandlerInput, ctx: RequestContext, error: Exception) -> Response:
        assert isinstance(error, NotFoundError)
        slots = dialog.updated_intent(handler_input, PROBLEM_SLOTS, room=None)
        return dialog.elicit(handler_input, message(ctx.locale, "problem.unknown_room", room=error.key), "room", slots)


HANDLERS: list[AbstractRequestHandler] = [ReportProblemIntentHandler()]
ERRORS: list[AbstractExceptionHandler] = [UnknownRoomHandler()]
