"""Name matching for calls: what speech recognition hands over still finds the right person."""

from __future__ import annotations

import pytest

from skill.domain.directory import DirectoryEntry, match_names, normalise_name, pick

DIRECTORY = (
    DirectoryEntry("alice", "Alice Tanaka", ("ali",)),
    DirectoryEntry("alice-chen", "Alice Chen"),
    DirectoryEntry("bob", "Bob Smith"),
    DirectoryEntry("jon", "Jon O'Neil"),
    DirectoryEntry("jose", "José Álvarez"),
    DirectoryEntry("taro", "田中 太郎", ("たなか",)),
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
        ("田中さん", "taro"),
        ("たなか", "taro"),
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


@pytest.mark.parametrize("query", ["Zed", "Allison", "", "the", "Mr."])
def test_no_match(query: str) -> None:
    result = match_names(query, DIRECTORY)
    assert not result.found
    assert result.match is None


def test_honorifics_and_punctuation_are_removed() -> None:
    assert normalise_name("Mr. Tanaka") == "tanaka"
    assert normalise_name("Tanaka-san") == "tanaka"
    assert normalise_name("田中様") == "田中"
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
