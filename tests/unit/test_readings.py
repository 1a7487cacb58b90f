"""How names sound: kana and kanji romanised, so a name heard in Japanese meets one written in Latin letters."""

from __future__ import annotations

import pytest

from skill.domain.readings import hiragana, is_japanese, romanised, sounds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("たなか", "tanaka"),
        ("タナカ", "tanaka"),
        ("田中", "tanaka"),
        ("山田 太郎", "yamada tarou"),
        ("ｱﾘｽ", "arisu"),  # half-width katakana
        ("Alice Tanaka", "alice tanaka"),
    ],
)
def test_names_are_romanised_word_by_word(text: str, expected: str) -> None:
    assert romanised(text) == expected


@pytest.mark.parametrize(
    ("japanese", "latin"),
    [("さとう", "Sato"), ("佐藤", "sato"), ("おおの", "Ohno"), ("大野", "Ono"), ("ゆうき", "Yuki"), ("井上", "Inoue")],
)
def test_long_vowels_sound_as_names_are_spelled(japanese: str, latin: str) -> None:
    # Given a name in Japanese and as it is usually spelled / Then both sound the same
    assert sounds(japanese) == sounds(latin)


def test_katakana_and_hiragana_compare_equal() -> None:
    assert hiragana("タナカ アリス") == "たなか ありす"
    assert hiragana("ﾀﾅｶ") == "たなか"
    assert hiragana("Tanaka") == "Tanaka"


@pytest.mark.parametrize(("text", "japanese"), [("田中", True), ("たなか", True), ("タナカ", True), ("Tanaka", False)])
def test_japanese_text_is_told_from_latin(text: str, japanese: bool) -> None:
    assert is_japanese(text) is japanese
