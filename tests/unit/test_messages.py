"""Every message of every catalog renders in every locale: same keys, valid SSML, Japanese without English
words, and at most two sentences wherever a shared device may say it."""

from __future__ import annotations

import re
import string
import xml.etree.ElementTree as ET

import pytest

from skill.alexa.messages import DEFAULT_LOCALE, Ssml, catalog, message

LOCALES = ("en-US", "ja-JP")
# Values as a handler passes them; Japanese names for ja-JP so that any Latin letter left is the template's.
SAMPLES: dict[str, dict[str, str]] = {
    "en-US": {
        "code": "482913", "room": "Fuji", "site": "Example HQ", "name": "Alice Tanaka", "hints": "join the meeting",
        "first": "Alice Tanaka", "second": "Alice Chen", "only": "join the meeting", "last": "call a colleague",
        "phone": "mobile", "number": "+81312345678", "subject": "the budget review", "visitor": "Ken Sato",
        "host": "Alice", "company": "Acme", "day": "Wednesday, December 2", "time": "10:00 AM",
    },
    "ja-JP": {
        "code": "482913", "room": "富士", "site": "本社", "name": "田中", "hints": "「会議に参加して」",
        "first": "田中", "second": "陳", "only": "「会議に参加して」", "last": "「田中さんに電話して」",
        "phone": "携帯電話", "number": "+81312345678", "subject": "予算会議", "visitor": "佐藤", "host": "田中",
        "company": "アクメ", "day": "12月2日 水曜日", "time": "午前10時",
    },
}  # fmt: skip
# Field names that other capabilities add later still render, with a neutral value per locale.
UNKNOWN_FIELD = {"en-US": "something", "ja-JP": "何か"}
# Messages only a personal device ever hears; every other one may be spoken in a meeting room or the lobby.
PERSONAL_ONLY = re.compile(r"(^|\.)personal$|^expect\.|^launch\.personal$")
SENTENCE_END = re.compile(r"[.?!。？！?](?=\s|$|[^\w\s])|[。？！]")


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(locale: str, key: str) -> str:
    template = catalog()[locale][key]
    values = {name: Ssml(SAMPLES[locale].get(name, UNKNOWN_FIELD[locale])) for name in fields(template)}
    return message(locale, key, **values)


def plain(ssml: str) -> str:
    return "".join(ET.fromstring(f"<speak>{ssml}</speak>").itertext())


def all_keys() -> list[tuple[str, str]]:
    return [(locale, key) for locale in LOCALES for key in sorted(catalog().get(locale, {}))]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locale_has_exactly_the_keys_of_en_us(locale: str) -> None:
    assert set(catalog()[locale]) == set(catalog()[DEFAULT_LOCALE])


@pytest.mark.parametrize("locale", LOCALES)
def test_each_message_uses_the_same_values_in_every_locale(locale: str) -> None:
    # Given the fields each en-US message is given by its handler
    english = {key: fields(template) for key, template in catalog()[DEFAULT_LOCALE].items()}

    # Then the translation asks for no value the handler does not pass
    assert {key: fields(t) - english[key] for key, t in catalog()[locale].items() if fields(t) - english[key]} == {}


@pytest.mark.parametrize(("locale", "key"), all_keys())
def test_every_message_renders_as_valid_ssml(locale: str, key: str) -> None:
    # When the message is rendered with sample values
    text = plain(render(locale, key))

    # Then it says something, with no placeholder left over
    assert text.strip()
    assert "{" not in text and "}" not in text


@pytest.mark.parametrize("key", sorted(catalog()["ja-JP"]))
def test_japanese_messages_have_no_english_words(key: str) -> None:
    text = plain(render("ja-JP", key))
    assert not re.search(r"[A-Za-z]", text), text


@pytest.mark.parametrize(("locale", "key"), [(loc, key) for loc, key in all_keys() if not PERSONAL_ONLY.search(key)])
def test_what_a_shared_device_says_is_at_most_two_sentences(locale: str, key: str) -> None:
    text = plain(render(locale, key))
    assert len(SENTENCE_END.findall(text)) <= 2, text


@pytest.mark.parametrize("locale", LOCALES)
def test_the_reprompt_says_how_to_hear_the_options(locale: str) -> None:
    # Given the question asked when the listener says nothing
    reprompt = render(locale, "reprompt")

    # Then it names what can be answered
    assert {"en-US": "help", "ja-JP": "ヘルプ"}[locale] in reprompt.lower()


def test_an_unknown_locale_falls_back_to_english() -> None:
    assert message("fr-FR", "goodbye") == message("en-US", "goodbye")
