"""Messages of the reception capability.

The lobby speaks only first names back to the visitor, at most two candidate host names, and never a
phone number or an email address. "No match" neither confirms nor denies that anyone works here.
"""

MESSAGES: dict[str, dict[str, str]] = {
    "en-US": {
        "checkin.ask_name": "Welcome. What's your name?",
        "checkin.ask_host": "Thanks, {visitor}. Who are you here to see?",
        "checkin.no_match": "Sorry, I couldn't match that name. Who are you here to see? Please say their full name.",
        "checkin.which": "{first} or {second}?",
        "checkin.confirm": "{visitor}, here to see {host}. Is that right?",
        "checkin.confirm_company": "{visitor} from {company}, here to see {host}. Is that right?",
        "checkin.restart": "Let's start again. What's your name?",
        "checkin.done": "Thanks, {visitor}. {host} knows you're here.",
        "checkin.done_expected": "Welcome, {visitor}. {host} knows you're here.",
        "checkout.ask_name": "Sure. What's your name?",
        "checkout.full_name": "Please say your full name.",
        "checkout.done": "Goodbye, {visitor}. Thanks for visiting.",
        "checkout.not_found": "I couldn't find a visit under that name, so nothing changed.",
        "expect.personal_only": "You can register visitors from your own device.",
        "expect.ask_name": "Who are you expecting?",
        "expect.ask_date": "What day is {visitor} coming?",
        "expect.ask_time": "At what time?",
        "expect.bad_date": "Sorry, I need a single day. What day is {visitor} coming?",
        "expect.bad_time": "Sorry, I need a time such as ten thirty. At what time?",
        "expect.past": "That time has already passed. What day is {visitor} coming?",
        "expect.confirm": "I'll expect {visitor} on {day} at {time}. Is that right?",
        "expect.done": "Done. Reception will greet {visitor} by name.",
        "expect.denied": "Okay, I haven't registered anyone.",
    },
}
