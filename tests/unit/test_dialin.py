"""Dial-in details read from real-looking meeting invitations."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.domain.dialin import DialIn, find_dial_in

INVITES = Path(__file__).resolve().parents[1] / "fixtures" / "invites"


@pytest.mark.parametrize(
    ("invite", "country", "number", "digits", "provider"),
    [
        ("zoom-en-us", "US", "+16699006833", ",,85012345678#,,,,*552913#", "zoom"),
        ("zoom-en-us", "JP", "+81345781488", ",,85012345678#,,,,*552913#", "zoom"),
        ("teams-ja-jp", "JP", "+81345781234", ",,842193567#", "teams"),
        ("teams-en-gb", "GB", "+442033215208", ",,601822475#", "teams"),
        ("teams-en-gb", "US", "+13238494874", ",,601822475#", "teams"),
        ("webex-de-de", "DE", "+4961967819736", ",,27310945568#97727625#", "webex"),
        ("webex-de-de", "US", "+16504793208", ",,27310945568#97727625#", "webex"),
        ("chime-en-us", "US", "+12064625569", ",,6412357890#", "chime"),
        ("meet-fr-fr", "FR", "+33187400515", ",,512847093#", "meet"),
        ("meet-en-us", "US", "+16315550148", ",,283556914#", "meet"),
        ("gotomeeting-en-us", "US", "+15713173122", ",,729314605#", "gotomeeting"),
        ("gotomeeting-en-us", "CA", "+16474979391", ",,729314605#", "gotomeeting"),
    ],
)
def test_invitations_yield_number_and_digits(
    invite: str, country: str, number: str, digits: str, provider: str | None
) -> None:
    # Given an invitation as pasted from the calendar / When its dial-in is read for the site's country
    dial_in = find_dial_in((INVITES / f"{invite}.txt").read_text(encoding="utf-8"), country)

    # Then the number to ring and the digits to send are those a person would use
    assert dial_in is not None
    assert (dial_in.number, dial_in.digits, dial_in.provider) == (number, digits, provider)


def test_site_country_number_wins_over_the_first_listed() -> None:
    # Given a site in a country the invitation lists second
    text = (INVITES / "teams-en-gb.txt").read_text(encoding="utf-8")

    # When read for the US and for Germany, which it does not list
    in_us, in_germany = find_dial_in(text, "US"), find_dial_in(text, "DE")

    # Then the US number is chosen; an unlisted country falls back to the first number
    assert in_us is not None and in_us.number == "+13238494874"
    assert in_germany is not None and in_germany.number == "+442033215208"


def test_a_bridge_in_an_allowed_country_wins_over_the_first_listed() -> None:
    # Given Teams bridges in the UK and the US, read for a Japanese site that may also call the US
    dial_in = find_dial_in((INVITES / "teams-en-gb.txt").read_text(encoding="utf-8"), "JP", ("US",))

    # Then the US bridge is the one to dial
    assert dial_in is not None and dial_in.number == "+13238494874"


def test_teams_web_meeting_id_is_not_mistaken_for_the_phone_conference_id() -> None:
    dial_in = find_dial_in((INVITES / "teams-en-gb.txt").read_text(encoding="utf-8"), "GB")
    assert dial_in is not None
    assert dial_in.meeting_id == "601822475"


def test_zoom_numeric_passcode_is_used_not_the_web_passcode() -> None:
    dial_in = find_dial_in((INVITES / "zoom-en-us.txt").read_text(encoding="utf-8"), "JP")
    assert dial_in is not None
    assert (dial_in.meeting_id, dial_in.pin) == ("85012345678", "552913")


def test_text_without_a_phone_number_has_no_dial_in() -> None:
    assert find_dial_in((INVITES / "no-dial-in.txt").read_text(encoding="utf-8"), "US") is None
    assert find_dial_in("", "JP") is None


def test_full_width_digits_in_japanese_text_are_read() -> None:
    # Given a Zoom block whose tel: link is typed with full-width characters
    dial_in = find_dial_in("Ｚｏｏｍ ミーティングに参加\n電話: ＋８１３１２３４５６７８,,９８７６５４３２１#", "JP")
    assert dial_in is not None
    assert (dial_in.number, dial_in.digits) == ("+81312345678", ",,987654321#")


def test_digits_of_a_dial_in_without_ids_are_empty() -> None:
    assert DialIn(number="+81312345678").digits == ""
    assert DialIn(number="+12065550100", meeting_id="123456", provider="zoom").digits == ",,123456#"


@pytest.mark.parametrize(
    "text",
    [
        "Lunch chat. Call +1 876 555 1234",
        "Bring snacks!\nDial tel:+18765551234,,1234# to confirm",
        (INVITES / "tel-uri-ja-jp.txt").read_text(encoding="utf-8"),  # a tel: link, but no meeting provider
    ],
)
def test_a_number_outside_a_meeting_providers_block_is_not_a_dial_in(text: str) -> None:
    # Given event text with a phone number but no meeting provider / When read / Then there is no dial-in
    assert find_dial_in(text, "US") is None


def test_a_number_written_before_the_providers_block_is_not_taken() -> None:
    # Given a hostile line above a genuine Teams block (the LOCATION comes first in the event's text)
    teams = (INVITES / "teams-en-gb.txt").read_text(encoding="utf-8")
    text = "Call +1 876 555 1234, one tap: tel:+18765551234,,1#\n" + teams

    # When its dial-in is read for a US site
    dial_in = find_dial_in(text, "US")

    # Then the bridge in the Teams block is dialled, not the number above it
    assert dial_in is not None and (dial_in.number, dial_in.provider) == ("+13238494874", "teams")


def test_a_tel_link_inside_the_providers_block_is_its_dial_in() -> None:
    # Given a Chime block whose only number is a tel: link
    text = "Amazon Chime meeting\nJoin by phone: tel:+12064625569,,6412357890#"

    # When read / Then that link is the dial-in, with its digits
    dial_in = find_dial_in(text, "US")
    assert dial_in is not None and (dial_in.number, dial_in.digits) == ("+12064625569", ",,6412357890#")
