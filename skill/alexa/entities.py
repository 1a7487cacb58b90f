"""Names from the fleet sent to Alexa as dynamic entities, so "Fuji" and "Tanaka-san" are recognised.

At the start of a conversation that stays open (a LaunchRequest, or the first intent of a new session whose
answer carries no directive of its own) the answer carries a `Dialog.UpdateDynamicEntities` directive
(REPLACE) with the site's rooms and their aliases (ROOM_NAME) and the people (CONTACT_NAME: users and
contacts; on a lobby device employees only, so a visitor's device never learns the address book). In
Japanese a person's kana reading is a synonym too, whole, in parts and with さん, so "たなかさん" resolves to
"Alice Tanaka". The names are the device's site's, chosen when the fleet was applied (at most 100 per slot
type, `skill.domain.fleet_index`) and read with the caller's profile. Server-side fuzzy matching stays the
fallback.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ask_sdk_core.dispatch_components import AbstractResponseInterceptor
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response
from ask_sdk_model.dialog import DynamicEntitiesDirective
from ask_sdk_model.er.dynamic import Entity, EntityListItem, EntityValueAndSynonyms, UpdateBehavior

from skill.alexa.context import KEY, context
from skill.alexa.speech import is_lobby
from skill.domain.fleet_index import MAX_SLOT_VALUES
from skill.domain.model import Caller
from skill.observability import logger

if TYPE_CHECKING:
    from skill.domain.fleet_index import NamedPerson, NamedRoom, SiteNames

ROOM_TYPE = "ROOM_NAME"
PEOPLE_TYPE = "CONTACT_NAME"
MAX_VALUES = MAX_SLOT_VALUES
HONORIFICS = {"ja": "さん", "en": " san"}


def _entity(entity_id: str, value: str, synonyms: Iterable[str]) -> Entity:
    others: list[object] = list(dict.fromkeys(s for s in synonyms if s and s.lower() != value.lower()))
    return Entity(id=entity_id, name=EntityValueAndSynonyms(value=value, synonyms=others))


def _room(room: NamedRoom) -> Entity:
    return _entity(room.id, room.name, room.aliases)


def _person(person: NamedPerson, locale: str) -> Entity:
    japanese = locale.startswith("ja")
    honorific = HONORIFICS["ja" if japanese else "en"]
    parts = person.name.split()
    synonyms = [*person.aliases, *parts, *([part + honorific for part in parts] if len(parts) > 1 else [])]
    if japanese and person.reading:
        kana = person.reading.split()
        synonyms += [person.reading, "".join(kana), *kana, *(part + honorific for part in kana)]
    return _entity(person.id, person.name, synonyms)


def dynamic_entities(names: SiteNames, caller: Caller, locale: str) -> DynamicEntitiesDirective:
    """REPLACE the site's room names and the people this device may name."""
    people = names.employees if is_lobby(caller) else names.people
    types = [
        EntityListItem(name=ROOM_TYPE, values=[_room(room) for room in names.rooms[:MAX_VALUES]]),
        EntityListItem(name=PEOPLE_TYPE, values=[_person(person, locale) for person in people[:MAX_VALUES]]),
    ]
    return DynamicEntitiesDirective(update_behavior=UpdateBehavior.REPLACE, types=types)


def starts_conversation(handler_input: HandlerInput, response: Response) -> bool:
    """A launch, or a new session's first intent answered without a dialog directive of its own."""
    if is_request_type("LaunchRequest")(handler_input):
        return True
    session = handler_input.request_envelope.session
    first = is_request_type("IntentRequest")(handler_input) and bool(session and session.new)
    return first and not response.directives


class DynamicEntitiesInterceptor(AbstractResponseInterceptor):
    """Adds the fleet's names to the first answer of a conversation that stays open on a known device."""

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        if response is None or response.should_end_session or not starts_conversation(handler_input, response):
            return
        if KEY not in handler_input.attributes_manager.request_attributes:
            return
        ctx = context(handler_input)
        if not ctx.caller.is_known:
            return
        try:
            directive = dynamic_entities(ctx.services.identity.names(ctx.caller), ctx.caller, ctx.locale)
        except Exception:  # names are a recognition aid; the answer goes out without them
            logger.warning("dynamic entities not built", exc_info=True)
            return
        response.directives = [*(response.directives or []), directive]
