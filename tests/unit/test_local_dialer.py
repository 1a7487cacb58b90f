"""The logging dialer used by local runs."""

from __future__ import annotations

from skill.adapters.local_dialer import LocalDialer, mask


def test_place_call_records_the_call_and_prints_a_masked_line() -> None:
    # Given a local dialer printing into a list
    lines: list[str] = []
    dialer = LocalDialer(sink=lines.append)

    # When a call is placed
    transaction = dialer.place_call("call-1", "+81312340005", "+81345781234", ",,842193567#")

    # Then the call is recorded in full, and the printed line shows only the last two digits of each number
    assert [(c.call_id, c.to, c.digits, c.transaction_id) for c in dialer.calls] == [
        ("call-1", "+81345781234", ",,842193567#", transaction)
    ]
    assert len(lines) == 1
    assert "call-1" in lines[0] and "*34" in lines[0] and "*05" in lines[0]
    assert "81345781234" not in lines[0] and "842193567" not in lines[0]


def test_mask_keeps_only_the_last_two_digits() -> None:
    assert mask("+81312345678") == "+*********78"
    assert mask("+1 206-555-0100") == "+* ***-***-**00"
    assert mask("7") == "7"
