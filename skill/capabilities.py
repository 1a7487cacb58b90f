"""The skill's capabilities, each declared once: the intents it answers, the module of its handlers (imported
on the first request for one of those intents, so a cold start pays only for what it uses), the module of
its messages, and the feature names a skill group grants it by.

The skill builder, the message catalog, the fleet file's feature names and the spoken hints all read this
table; tests/unit/test_capabilities.py ties it to the interaction models, the handlers and the catalogs.
Plain data: importing it costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capability:
    name: str
    intents: frozenset[str]
    handlers: str  # a module with HANDLERS, the request handlers of `intents`
    catalog: str  # a module with MESSAGES: {locale: {key: template}}
    features: tuple[str, ...]  # feature names of the fleet file, in the order hints are spoken
    by_default: tuple[str, ...] = ()  # features a device with no skill group has
    # Makes offers (skill/alexa/offers.py): answers AMAZON.YesIntent and AMAZON.NoIntent while one is pending.
    offers: bool = False


CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        name="rooms",
        offers=True,
        intents=frozenset(
            {
                "RoomStatusIntent",
                "NextMeetingIntent",
                "BookRoomIntent",
                "FindRoomIntent",
                "ExtendMeetingIntent",
                "EndMeetingIntent",
                "MeetingCheckInIntent",
                "CancelBookingIntent",
            }
        ),
        handlers="skill.alexa.handlers.rooms",
        catalog="skill.alexa.catalog.rooms",
        features=("booking",),
        by_default=("booking",),
    ),
    Capability(
        name="calling",
        offers=True,
        intents=frozenset({"CallContactIntent", "DialNumberIntent", "JoinMeetingIntent"}),
        handlers="skill.alexa.handlers.calling",
        catalog="skill.alexa.catalog.calling",
        features=("calling", "join-meeting"),
        by_default=("calling", "join-meeting"),
    ),
    Capability(
        name="reception",
        intents=frozenset({"VisitorCheckInIntent", "VisitorCheckOutIntent", "ExpectVisitorIntent"}),
        handlers="skill.alexa.handlers.reception",
        catalog="skill.alexa.catalog.reception",
        features=("reception",),
    ),
    Capability(
        name="facilities",
        intents=frozenset({"ReportProblemIntent"}),
        handlers="skill.alexa.handlers.facilities",
        catalog="skill.alexa.catalog.facilities",
        features=("facilities",),
    ),
)

# Launch, help, stop, fallback and the answers every capability shares.
BASICS_CATALOG = "skill.alexa.catalog.basics"

FEATURES: tuple[str, ...] = tuple(feature for capability in CAPABILITIES for feature in capability.features)
DEFAULT_FEATURES: frozenset[str] = frozenset(f for capability in CAPABILITIES for f in capability.by_default)
