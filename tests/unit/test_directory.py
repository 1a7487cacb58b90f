"""Name matching for calls: what speech recognition hands over still finds the right person."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

import pytest

from skill.domain.directory import DirectoryEntry, match_names, name_keys, normalise_name, pick, query_keys

DIRECTORY = (
    DirectoryEntry("alice", "Alice Tanaka", ("ali",)),
    DirectoryEntry("alice-chen", "Alice Chen"),
    DirectoryEntry("bob", "Bob Smith"),
    DirectoryEntry("jon", "Jon O'Neil"),
    DirectoryEntry("jose", "José Álvarez"),
    DirectoryEntry("taro", "山口 太郎", ("ぐっちー",)),
    DirectoryEntry("acme", "ACME Support Desk", kind="contact"),
    DirectoryEntry("acme-sales", "Acme Sales", kind="contact"),
)


def ids(query: str) -> list[str]:
    return [entry.id for entry in match_names(query, DIRECTORY).candidates]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Alice Tanaka", "alice"),
        ("alice tanaka.", "alice"),
        ("Alis Tanaka", "alice"),  # misheard first name
        ("Tanaka-san", "alice"),
        ("Mr. Tanaka", "alice"),
        ("Ali", "alice"),  # alias
        ("Chen", "alice-chen"),  # last name only
        ("Bob", "bob"),  # first name only
        ("John O'Neill", "jon"),  # sounds the same, spelled differently
        ("jose alvarez", "jose"),  # accents not spoken
        ("Acme support", "acme"),  # part of a longer contact name
        ("山口さん", "taro"),
        ("ぐっちー", "taro"),  # alias
        ("やまぐちさん", "taro"),  # the kanji name's reading, heard in kana
        ("Yamaguchi", "taro"),  # and in Latin letters
        ("たなか", "alice"),  # a Latin name, heard in kana
        ("タナカさん", "alice"),  # in katakana
        ("田中さん", "alice"),  # in kanji
    ],
)
def test_one_clear_match(query: str, expected: str) -> None:
    # Given what the speech recogniser heard / When matched / Then exactly one entry is meant
    result = match_names(query, DIRECTORY)
    assert result.match is not None
    assert result.match.id == expected
    assert not result.is_ambiguous


def test_a_shared_first_name_gives_two_candidates() -> None:
    result = match_names("Alice", DIRECTORY)
    assert result.is_ambiguous
    assert {entry.id for entry in result.candidates} == {"alice", "alice-chen"}
    assert result.match is None


def test_never_more_than_two_candidates() -> None:
    # Given three people called Sam
    sams = [DirectoryEntry(f"sam-{n}", f"Sam {last}") for n, last in enumerate(["Lee", "Park", "Ito"])]
    # When "Sam" is asked for, even with a larger limit / Then two are offered
    assert len(match_names("Sam", sams).candidates) == 2
    assert len(match_names("Sam", sams, limit=5).candidates) == 2


# A Japanese office with no alias anywhere: names in Latin letters, one in kanji, readings where they help.
JAPANESE_OFFICE = (
    DirectoryEntry("atanaka", "Alice Tanaka"),
    DirectoryEntry("byamada", "Bob Yamada"),
    DirectoryEntry("ksato", "佐藤 健", reading="さとう けん"),
    DirectoryEntry("hohno", "Hiro Ohno"),
    DirectoryEntry("asuzuki", "Alice Suzuki", reading="すずき ありす"),
    DirectoryEntry("acme", "Acme Support", kind="contact", reading="アクメ サポート"),
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("たなか", "atanaka"),
        ("タナカ", "atanaka"),
        ("田中", "atanaka"),
        ("やまだ", "byamada"),
        ("ヤマダ", "byamada"),
        ("山田", "byamada"),
        ("さとう", "ksato"),  # the reading
        ("サトウ", "ksato"),  # the reading in katakana
        ("佐藤", "ksato"),  # as written
        ("Sato", "ksato"),  # a kanji name said in Latin letters: the long vowel is not written
        ("おおの", "hohno"),
        ("大野", "hohno"),
        ("アリス", "asuzuki"),  # a foreign first name as said in Japanese: only the reading knows it
        ("すずきありす", "asuzuki"),
        ("アクメ", "acme"),
    ],
)
def test_a_name_heard_in_kana_or_kanji_finds_its_reading_without_aliases(query: str, expected: str) -> None:
    # Given a Japanese office without aliases / When a name is heard in kana or kanji / Then its owner is meant
    result = match_names(query, JAPANESE_OFFICE)
    assert result.match is not None, result
    assert result.match.id == expected


def test_the_same_surname_in_two_scripts_is_asked_back_as_written_first() -> None:
    # Given two Tanakas, one written in Latin letters and one in kanji
    tanakas = [DirectoryEntry("taro", "田中 太郎"), DirectoryEntry("alice", "Alice Tanaka")]

    # When "Tanaka" is asked for in either script
    latin = [entry.id for entry in match_names("Tanaka-san", tanakas).candidates]
    kanji = [entry.id for entry in match_names("田中さん", tanakas).candidates]

    # Then both are offered, the one written as heard first
    assert latin == ["alice", "taro"]
    assert kanji == ["taro", "alice"]


def test_latin_names_never_load_the_japanese_reader() -> None:
    # When Latin names are matched in a fresh interpreter
    code = (
        "import sys; from skill.domain.directory import DirectoryEntry, match_names; "
        "match_names('Tanaka-san', [DirectoryEntry('a', 'Alice Tanaka'), DirectoryEntry('b', 'Bob Chen')]); "
        "print('pykakasi' in sys.modules)"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()

    # Then the romaniser and its dictionary were never imported
    assert loaded == "False"


@pytest.mark.parametrize("query", ["Zed", "Allison", "", "the", "Mr."])
def test_no_match(query: str) -> None:
    result = match_names(query, DIRECTORY)
    assert not result.found
    assert result.match is None


def test_honorifics_and_punctuation_are_removed() -> None:
    assert normalise_name("Mr. Tanaka") == "tanaka"
    assert normalise_name("Tanaka-san") == "tanaka"
    assert normalise_name("田中様") == "田中"
    assert normalise_name("タナカさん") == "タナカ"
    assert normalise_name("ＡＣＭＥ  Support!") == "acme support"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("the first one", "alice"),
        ("second", "alice-chen"),
        ("the other one", "alice-chen"),
        ("Alice Chen", "alice-chen"),
        ("Chen", "alice-chen"),
        ("Tanaka", "alice"),
        ("最初の方", "alice"),
        ("二番目", "alice-chen"),
    ],
)
def test_pick_reads_the_disambiguation_answer(answer: str, expected: str) -> None:
    # Given the two Alices offered / When the speaker answers / Then the chosen one is returned
    candidates = match_names("Alice", DIRECTORY).candidates
    chosen = pick(answer, candidates)
    assert chosen is not None
    assert chosen.id == expected


def test_pick_returns_none_for_an_answer_naming_neither() -> None:
    candidates = match_names("Alice", DIRECTORY).candidates
    assert pick("Bob Smith", candidates) is None
    assert pick("third", candidates) is None


# ---------------------------------------------------------------- searching through name keys


def found_through_keys(query: str, entries: Sequence[DirectoryEntry]) -> list[str]:
    """What the skill finds for `query`: the entries filed under its keys, ranked by `match_names`."""
    index: dict[str, list[DirectoryEntry]] = {}
    for entry in entries:
        for key in name_keys(entry):
            index.setdefault(key, []).append(entry)
    filed = {entry.id for key in query_keys(query) for entry in index.get(key, [])}
    return [e.id for e in match_names(query, [e for e in entries if e.id in filed]).candidates]


# What people say, including names heard in kana or kanji and names nobody has.
QUERIES = [
    "Alice Tanaka",
    "Alis Tanaka",
    "Tanaka-san",
    "Mr. Tanaka",
    "Ali",
    "Chen",
    "Bob",
    "John O'Neill",
    "jose alvarez",
    "Acme support",
    "山口さん",
    "ぐっちー",
    "やまぐちさん",
    "Yamaguchi",
    "たなか",
    "タナカさん",
    "田中さん",
    "Alice",
    "Zed",
    "Allison",
]
JAPANESE_QUERIES = [
    "たなか",
    "タナカ",
    "田中",
    "やまだ",
    "山田",
    "さとう",
    "佐藤",
    "Sato",
    "おおの",
    "大野",
    "アリス",
    "すずきありす",
]


@pytest.mark.parametrize("query", QUERIES)
def test_searching_through_name_keys_finds_what_matching_the_whole_directory_finds(query: str) -> None:
    assert found_through_keys(query, DIRECTORY) == [e.id for e in match_names(query, DIRECTORY).candidates]


@pytest.mark.parametrize("query", JAPANESE_QUERIES)
def test_a_name_heard_in_japanese_is_found_through_its_keys_as_in_the_whole_directory(query: str) -> None:
    expected = [e.id for e in match_names(query, JAPANESE_OFFICE).candidates]
    assert found_through_keys(query, JAPANESE_OFFICE) == expected and expected
