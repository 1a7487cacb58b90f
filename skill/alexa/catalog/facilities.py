"""Messages of the facilities capability: a room problem reported by voice.

A shared device speaks back only the problem as the speaker said it (a long one is not read back) and the room's
name; nothing about who reported it.
"""

MESSAGES: dict[str, dict[str, str]] = {
    "en-US": {
        "problem.ask": "Sure. What's the problem?",
        "problem.ask_room": "Which room is the problem in?",
        "problem.unknown_room": "I don't know a room called {room}. Which room is the problem in?",
        "problem.done": "Thanks, I've reported the problem in {room}: {problem}. Facilities will be told.",
        "problem.done_long": "Thanks, I've reported the problem in {room}. Facilities will be told.",
        "problem.this_room_only": "From this device, I can report problems in {room} only.",
    },
    "ja-JP": {
        "problem.ask": "どのような問題がありますか?",
        "problem.ask_room": "どの部屋の問題ですか?",
        "problem.unknown_room": "{room}という部屋は見つかりませんでした。どの部屋の問題ですか?",
        "problem.done": "{room}の問題として「{problem}」を報告しました。施設担当に連絡します。",
        "problem.done_long": "{room}の問題を報告しました。施設担当に連絡します。",
        "problem.this_room_only": "このデバイスからは、{room}の問題だけを報告できます。",
    },
}
