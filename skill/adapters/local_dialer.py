"""A dialer for local runs and tests: records each call and prints one line instead of ringing anyone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlacedCall:
    call_id: str
    from_room_phone: str
    to: str
    digits: str | None
    transaction_id: str


def mask(number: str) -> str:
    """All but the last two digits hidden: "+81312345678" -> "+*********78"."""
    shown = 2
    digits_seen = sum(char.isdigit() for char in number)
    masked: list[str] = []
    for char in number:
        if char.isdigit():
            masked.append(char if digits_seen <= shown else "*")
            digits_seen -= 1
        else:
            masked.append(char)
    return "".join(masked)


class LocalDialer:
    def __init__(self, sink: Callable[[str], None] = print) -> None:
        self.sink = sink
        self.calls: list[PlacedCall] = []

    def place_call(
        self, call_id: str, from_room_phone: str, to: str, digits: str | None, *, request_id: str | None = None
    ) -> str:
        transaction_id = f"local-{uuid.uuid4()}"
        self.calls.append(PlacedCall(call_id, from_room_phone, to, digits, transaction_id))
        tones = " with meeting digits" if digits else ""
        self.sink(f"[dialer] call {call_id}: ringing {mask(from_room_phone)}, then {mask(to)}{tones}")
        return transaction_id
