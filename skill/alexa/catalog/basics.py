"""Messages of the skill basics: launch, help, enrolment, errors."""

MESSAGES: dict[str, dict[str, str]] = {
    "en-US": {
        "unknown.code": (
            "This device isn't set up for the office yet. Its enrolment code is "
            '<say-as interpret-as="digits">{code}</say-as>. '
            "Ask your administrator to claim it with that code."
        ),
        "unknown.no_device": "I can't tell which device this is, so I can't help here yet.",
        "launch.room": "{room} here. You can say: {hints}",
        "launch.lobby": "Welcome to {site}. If you're visiting someone, tell me your name and who you're here to see.",
        "launch.personal": "Hi {name}. You can say: {hints}",
        "help.intro": "You can say: {hints}",
        "help.none": "This device has no office features enabled. Ask your administrator to add some.",
        "hint.booking.shared": "is this room free, book this room for thirty minutes",
        "hint.booking.personal": "book a room tomorrow at ten, what's my next meeting",
        "hint.calling": "call a colleague by name",
        "hint.join-meeting": "join the meeting",
        "hint.reception": "I'm here to see someone",
        "hint.join": "{first}, or {last}.",
        "hint.single": "{only}.",
        "reprompt": "What would you like to do?",
        "fallback": "Sorry, I can't help with that. You can say: {hints}",
        "not_allowed": "That isn't available on this device.",
        "goodbye": "Goodbye.",
        "error": "Sorry, something went wrong. Please try again in a minute.",
        "unavailable": "I couldn't reach the booking system. Please try again in a minute.",
    },
}
