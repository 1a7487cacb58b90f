"""Room screens: the APL room card an Echo Show in a room renders with the status answer.

The card carries only what the caller passes (room name, free/busy until, next booking time); the status
handler decides what a shared device may show, as it decides what it may say.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import get_supported_interfaces

if TYPE_CHECKING:
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

APL_INTERFACE = "Alexa.Presentation.APL"
ROOM_CARD = "room-card.json"


@cache
def room_card_document() -> dict[str, Any]:
    """The APL document of the room card, read once per process."""
    text = resources.files("skill.alexa").joinpath("apl", ROOM_CARD).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def supports_apl(handler_input: HandlerInput) -> bool:
    """Whether the requesting device renders APL (its supportedInterfaces name Alexa.Presentation.APL)."""
    try:
        interfaces = get_supported_interfaces(handler_input)
    except (AttributeError, TypeError):
        return False
    return getattr(interfaces, "alexa_presentation_apl", None) is not None


def room_card_directive(
    room_name: str, state_text: str, until_text: str, next_text: str, token: str, *, busy: bool = False
) -> RenderDocumentDirective:
    """Alexa.Presentation.APL.RenderDocument for the room card; texts are shown as given."""
    room = {"name": room_name, "state": state_text, "until": until_text, "next": next_text, "busy": busy}
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

    return RenderDocumentDirective(token=token, document=room_card_document(), datasources={"payload": {"room": room}})
