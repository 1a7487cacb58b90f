"""Every message of every catalog renders in every locale: same keys, valid SSML, Japanese without English
words, and wherever a shared device may say it, at most two sentences and at most eight seconds of speech."""

from __future__ import annotations

import re
import shutil
import string
import subprocess
import wave
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from skill.alexa.messages import DEFAULT_LOCALE, Ssml, catalog, message
from skill.alexa.speech import hints
from skill.domain.model import DEFAULT_FEATURES, Caller, CallerKind, DeviceKind, Room

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


# Values as long as they get on a shared device: the hints of a meeting room's device with the features a
# shared device has by default, and names longer than the samples above.
MEETING_ROOM = Caller(CallerKind.SHARED, "d", room=Room("fuji", "Fuji"), features=DEFAULT_FEATURES[DeviceKind.SHARED])
LONG: dict[str, dict[str, str]] = {
    "en-US": {
        "room": "Kilimanjaro", "name": "Alexandra Tanaka-Smith", "visitor": "Kenji Watanabe", "host": "Alexandra",
        "hints": hints(MEETING_ROOM, "en-US"), "company": "Initech Corporation", "until": "11:45 AM",
        "start": "11:45 AM", "subject": "the budget review", "other": "Matterhorn", "wanted": "11:45 AM",
        "when": "tomorrow at 11:45 AM", "day": "Wednesday, December 2", "length": "2 hours and 45 minutes",
        "place": " in Kilimanjaro",
        "attendees": "12", "capacity": "8", "days": "30", "floor": "12", "hours": "2", "minutes": "45",
    },
    "ja-JP": {
        "room": "キリマンジャロ", "name": "渡辺", "visitor": "渡辺", "host": "高橋",
        "hints": hints(MEETING_ROOM, "ja-JP"), "company": "アクメ商事", "until": "午前11時45分",
        "start": "午前11時45分", "subject": "予算会議", "other": "マッターホルン", "wanted": "午前11時45分",
        "when": "明日の午前11時45分", "day": "12月2日 水曜日", "length": "2時間45分", "place": "キリマンジャロで、",
        "attendees": "12", "capacity": "8", "days": "30", "floor": "12", "hours": "2", "minutes": "45",
    },
}  # fmt: skip
# How fast Alexa speaks, in characters of text per second. espeak-ng at its default rate reads these messages
# at about 16.5 characters a second in English and 7.2 in Japanese; Alexa is a little slower in English.
CHARACTERS_PER_SECOND = {"en-US": 15.0, "ja-JP": 7.0}
MAX_SECONDS = 8.0
ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]  # fmt: skip
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
KANJI = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
DIGITS = {"en-US": ONES[:10], "ja-JP": ["ぜろ", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう"]}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(locale: str, key: str) -> str:
    template = catalog()[locale][key]
    values = {name: Ssml(SAMPLES[locale].get(name, UNKNOWN_FIELD[locale])) for name in fields(template)}
    return message(locale, key, **values)


def plain(ssml: str) -> str:
    return "".join(ET.fromstring(f"<speak>{ssml}</speak>").itertext())


def number_words(number: int, locale: str) -> str:
    """A number below a hundred as it is said: "forty-five", "四十五"."""
    tens, units = divmod(number, 10)
    if locale == "ja-JP":
        return ((KANJI[tens] if tens > 1 else "") + "十" if tens else "") + KANJI[units] if number else "ゼロ"
    return ONES[number] if number < 20 else TENS[tens] + (f"-{ONES[units]}" if units else "")


def spoken(ssml: str, locale: str) -> str:
    """The words as Alexa says them: SSML tags dropped, a code or phone number read one digit at a time."""
    root = ET.fromstring(f"<speak>{ssml}</speak>")
    for element in root.iter("say-as"):
        if element.get("interpret-as") in ("digits", "telephone"):
            element.text = " ".join(DIGITS[locale][int(d)] for d in element.text or "" if d.isdigit())
    return " ".join("".join(root.itertext()).split())


def in_words(text: str, locale: str) -> str:
    """Clock times and numbers written as they are said, so that characters count as speech does."""
    text = re.sub(r"(\d+):00", lambda m: number_words(int(m.group(1)), locale), text)
    text = re.sub(r"(\d+):(\d+)", lambda m: f"{number_words(int(m.group(1)), locale)} {m.group(2)}", text)
    return re.sub(r"\d+", lambda m: number_words(int(m.group()), locale), text)


def estimated_seconds(text: str, locale: str) -> float:
    return len(in_words(text, locale)) / CHARACTERS_PER_SECOND[locale]


@cache
def kana_reader() -> Any:
    import pykakasi

    return pykakasi.kakasi()


def espeak_seconds(text: str, locale: str, directory: Path) -> float:
    """How long espeak-ng takes to say `text`. Japanese is given as kana, which espeak-ng reads (kanji it
    cannot), numbers as digits, which it reads itself."""
    if locale == "ja-JP":
        text = re.sub("っ+", "っ", "".join(str(piece["hira"]) for piece in kana_reader().convert(text)))
    path = directory / "speech.wav"
    voice = {"en-US": "en-us", "ja-JP": "ja"}[locale]
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True, capture_output=True, timeout=30)
    with wave.open(str(path)) as audio:
        return audio.getnframes() / audio.getframerate()


def render_long(locale: str, key: str) -> str:
    template = catalog()[locale][key]
    values = {
        name: Ssml(LONG[locale].get(name) or SAMPLES[locale].get(name, UNKNOWN_FIELD[locale]))
        for name in fields(template)
    }
    return message(locale, key, **values)


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


SHARED_KEYS = [(locale, key) for locale, key in all_keys() if not PERSONAL_ONLY.search(key)]


@pytest.mark.parametrize(("locale", "key"), SHARED_KEYS)
def test_what_a_shared_device_says_is_at_most_two_sentences(locale: str, key: str) -> None:
    text = plain(render_long(locale, key))
    assert len(SENTENCE_END.findall(text)) <= 2, text


@pytest.mark.parametrize(("locale", "key"), SHARED_KEYS)
def test_what_a_shared_device_says_takes_at_most_eight_seconds(locale: str, key: str) -> None:
    # Given the message with values as long as they get, as Alexa would say it
    text = spoken(render_long(locale, key), locale)

    # Then at the locale's speaking rate it lasts eight seconds at most
    assert estimated_seconds(text, locale) <= MAX_SECONDS, f"{estimated_seconds(text, locale):.1f} s: {text}"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize("locale", LOCALES)
def test_what_a_shared_device_says_takes_at_most_eight_seconds_when_spoken(locale: str, tmp_path: Path) -> None:
    # Given every message a shared device may say in the locale, spoken by espeak-ng
    durations = {key: espeak_seconds(spoken(render_long(locale, key), locale), locale, tmp_path) for loc, key in
                 SHARED_KEYS if loc == locale}  # fmt: skip

    # Then none lasts more than eight seconds
    assert {key: round(seconds, 1) for key, seconds in durations.items() if seconds > MAX_SECONDS} == {}


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
@pytest.mark.parametrize("locale", LOCALES)
def test_the_estimated_speaking_rate_is_close_to_what_espeak_ng_measures(locale: str, tmp_path: Path) -> None:
    # Given every message of the locale, as Alexa would say it
    texts = [spoken(render_long(locale, key), locale) for loc, key in all_keys() if loc == locale]

    # When all of them are timed by the estimate and by espeak-ng
    estimated = sum(estimated_seconds(text, locale) for text in texts)
    measured = sum(espeak_seconds(text, locale, tmp_path) for text in texts)

    # Then the estimate is within a fifth of the measure, never much faster than speech
    assert 0.8 <= estimated / measured <= 1.25, (estimated, measured)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_reprompt_says_how_to_hear_the_options(locale: str) -> None:
    # Given the question asked when the listener says nothing
    reprompt = render(locale, "reprompt")

    # Then it names what can be answered
    assert {"en-US": "help", "ja-JP": "ヘルプ"}[locale] in reprompt.lower()


def test_an_unknown_locale_falls_back_to_english() -> None:
    assert message("fr-FR", "goodbye") == message("en-US", "goodbye")
