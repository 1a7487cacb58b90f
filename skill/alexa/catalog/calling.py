"""Messages of the calling capability. On shared devices no number or PIN is ever part of them."""

MESSAGES: dict[str, dict[str, str]] = {
    "en-US": {
        "call.ask_who": "Who would you like to call?",
        "call.ask_number": "What number should I call?",
        "call.which": "{first} or {second}?",
        "call.nobody": "I couldn't find {name} in the directory.",
        "call.nobody_heard": "I didn't catch who to call. Please say their name.",
        "call.no_number": "I don't have a phone number for {name}.",
        "call.no_such_phone": "I don't have a {phone} number for {name}.",
        "call.confirm": "Call {name}'s {phone}?",
        "call.phone.mobile": "mobile",
        "call.phone.office": "office phone",
        "call.phone.home": "home phone",
        "call.confirm.reception": "Call reception?",
        "call.confirm_number.shared": "Shall I call the number you gave?",
        "call.confirm_number.personal": 'Call <say-as interpret-as="telephone">{number}</say-as>?',
        "call.denied": "OK, I won't call.",
        "call.placed.shared": "Calling {name}. The room phone will ring first.",
        "call.placed.personal": "Calling {name}. Your phone will ring first, then I'll connect you.",
        "call.placed_number.shared": "Calling the number you gave. The room phone will ring first.",
        "call.placed_number.personal": (
            'Calling <say-as interpret-as="telephone">{number}</say-as>. Your phone will ring first.'
        ),
        "call.refused.emergency": "I can't call emergency services. Please use a phone.",
        "call.refused.premium": "I can't call premium-rate numbers.",
        "call.refused.blocked": "Calls to that number aren't allowed here.",
        "call.refused.not_allowed_on_shared": "This device isn't allowed to make that call. Try your own phone.",
        "call.invalid": "That doesn't sound like a phone number I can dial.",
        "call.no_phone.room": "This room has no phone set up for calls. Ask your administrator to add one.",
        "call.no_phone.user": (
            "You have no mobile or office number set up for calls. Ask your administrator to add one."
        ),
        "call.failed": "I couldn't place the call. Please try again in a minute.",
        "join.placed.shared": "Joining the meeting. The room phone will ring first.",
        "join.placed.personal": "Joining {subject}. Your phone will ring first.",
        "join.your_meeting": "your meeting",
        "join.no_meeting": "I can't see a meeting with a dial-in number now or in the next 15 minutes.",
        "join.no_dial_in": "I can't see a dial-in number in this meeting's invitation.",
    },
}
