"""Reading an intent's slots and answering with Alexa's dialog directives (ElicitSlot, ConfirmIntent).

Shared by every capability so each handler only decides what to ask, not how.
"""

from __future__ import annotations

from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Intent, IntentConfirmationStatus, IntentRequest, Response, Slot, SlotConfirmationStatus
from ask_sdk_model.dialog import ConfirmIntentDirective, ElicitSlotDirective


def current_intent(handler_input: HandlerInput) -> Intent:
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or request.intent is None:
        raise ValueError("not an intent request")
    return request.intent


def slot_value(handler_input: HandlerInput, name: str) -> str | None:
    """The slot's value as Alexa heard it, stripped; None when empty or absent."""
    slot = (current_intent(handler_input).slots or {}).get(name)
    value = slot.value if slot is not None else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def resolved_id(handler_input: HandlerInput, name: str) -> str | None:
    """The entity-resolution id of a custom slot value, when Alexa matched one."""
    slot = (current_intent(handler_input).slots or {}).get(name)
    authorities = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None) or []
    for authority in authorities:
        code = getattr(getattr(authority, "status", None), "code", None)
        if getattr(code, "value", code) == "ER_SUCCESS_MATCH" and authority.values:
            return str(authority.values[0].value.id)
    return None


def confirmation(handler_input: HandlerInput) -> str:
    """NONE, CONFIRMED or DENIED: the listener's answer to a Dialog.ConfirmIntent."""
    status = current_intent(handler_input).confirmation_status
    return str(getattr(status, "value", status) or "NONE")


def session(handler_input: HandlerInput) -> dict[str, Any]:
    manager = handler_input.attributes_manager
    attributes = manager.session_attributes
    if attributes is None:
        attributes = manager.session_attributes = {}
    return attributes


def updated_intent(handler_input: HandlerInput, names: tuple[str, ...] = (), **values: str | None) -> Intent:
    """The request's intent, unconfirmed, with every slot it has (and every slot in `names`) kept and
    `values` applied; None clears a slot."""
    current = current_intent(handler_input)
    slots = {
        name: Slot(name=name, value=slot.value, confirmation_status=SlotConfirmationStatus.NONE)
        for name, slot in (current.slots or {}).items()
    }
    for name in names:
        slots.setdefault(name, Slot(name=name, value=None, confirmation_status=SlotConfirmationStatus.NONE))
    for name, value in values.items():
        slots[name] = Slot(name=name, value=value, confirmation_status=SlotConfirmationStatus.NONE)
    return Intent(name=current.name, slots=slots, confirmation_status=IntentConfirmationStatus.NONE)


def elicit(handler_input: HandlerInput, question: str, slot: str, intent: Intent) -> Response:
    """Ask for one slot; Alexa sends the answer back as the same intent with that slot filled."""
    builder = handler_input.response_builder.speak(question).ask(question)
    return builder.add_directive(ElicitSlotDirective(updated_intent=intent, slot_to_elicit=slot)).response


def confirm(handler_input: HandlerInput, question: str, intent: Intent) -> Response:
    """Ask yes or no; Alexa sends the same intent back with confirmationStatus CONFIRMED or DENIED."""
    builder = handler_input.response_builder.speak(question).ask(question)
    return builder.add_directive(ConfirmIntentDirective(updated_intent=intent)).response
