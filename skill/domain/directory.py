"""Who did the speaker mean? Name matching for employees and contacts that survives speech recognition.

`match_names` compares a spoken name with the directory (full names, first or last names, aliases and kana
readings) using fuzzy and sound-alike comparison after honorifics ("Mr.", "-san") are stripped. A name heard
in kana or kanji is also compared by how it sounds in Latin letters (skill.domain.readings), so "たなか",
"タナカ" and "田中" find "Alice Tanaka" with no alias. It answers with one clear match, two close candidates
to choose from, or none; `pick` reads the answer to "which one?".

`name_keys` and `query_keys` turn names and what was heard into index keys (each word as written, in
hiragana and as it sounds in Latin letters, its phonetic key and its first letters), so a directory of any
size is searched by reading the entries filed under the keys of the query, never by reading it whole: a
name is found when one key of what was heard is one of its keys, then `match_names` ranks those entries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from skill.domain import readings

MIN_SCORE = 78.0
CLEAR_MARGIN = 8.0
HONORIFICS = frozenset(
    {"mr", "mrs", "ms", "miss", "mister", "dr", "doctor", "prof", "professor", "sir", "madam", "herr", "frau"}
    | {"san", "sama", "kun", "chan", "sensei", "shi", "dono"}
)
JAPANESE_HONORIFICS = ("さん", "さま", "様", "くん", "君", "ちゃん", "先生", "氏", "殿")
FILLERS = frozenset({"the", "a", "an", "please", "call", "to", "at", "from", "one"})
ORDINALS: tuple[tuple[str, ...], ...] = (
    ("first", "1st", "1", "former", "top", "最初", "一番目", "1番目", "1番", "一つ目", "前"),
    ("second", "2nd", "2", "two", "latter", "last", "other", "二番目", "2番目", "2番", "二つ目", "後", "次"),
)


@dataclass(frozen=True)
class DirectoryEntry:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    kind: str = "employee"  # "employee" | "contact"
    reading: str | None = None  # kana, for a name people say otherwise than it is written


@dataclass(frozen=True)
class MatchResult:
    """One clear match, two close candidates, or nothing."""

    candidates: tuple[DirectoryEntry, ...] = ()

    @property
    def match(self) -> DirectoryEntry | None:
        return self.candidates[0] if len(self.candidates) == 1 else None

    @property
    def is_ambiguous(self) -> bool:
        return len(self.candidates) > 1

    @property
    def found(self) -> bool:
        return bool(self.candidates)


def _fold(text: str) -> str:
    """Lower case, width-folded, accents removed from Latin letters, punctuation turned into spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", folded)
    kept: list[str] = []
    for char in decomposed:
        if unicodedata.combining(char) and kept and kept[-1].isascii():
            continue
        kept.append(char)
    cleaned = re.sub(r"[^\w]+|_", " ", unicodedata.normalize("NFC", "".join(kept)))
    return " ".join(cleaned.split())


def normalise_name(text: str) -> str:
    """A spoken or written name ready for comparison: folded, honorifics and filler words removed."""
    folded = _fold(text)
    for suffix in JAPANESE_HONORIFICS:
        folded = re.sub(re.escape(suffix) + r"(?=\s|$)", "", folded)
    words = [word for word in folded.split() if word not in HONORIFICS and word not in FILLERS]
    return " ".join(words)


def sound_key(text: str) -> str:
    """A phonetic key (Metaphone) for Latin-script names, so "Alis" and "Alice", "Jon" and "John" agree;
    other scripts are compared as written."""
    import jellyfish

    word = re.sub(r"[^a-z]", "", text.lower())
    return jellyfish.metaphone(word) if word else text


PREFIX_LETTERS = 3  # a word's first letters are a key, so a misheard ending still finds it


def _word_keys(word: str) -> set[str]:
    """A Latin word's keys: as written and as it sounds (`w:`), its phonetic key (`s:`), its first letters
    (`p:`)."""
    keys = {"w:" + word, "w:" + readings.sounds(word)}
    letters = re.sub(r"[^a-z]", "", word)
    if letters:
        keys.add("s:" + sound_key(letters))
    if len(letters) > PREFIX_LETTERS:
        keys.add("p:" + letters[:PREFIX_LETTERS])
    return keys


def _form_keys(form: str, *, read_kanji: bool = True) -> set[str]:
    """The keys of one normalised name: each word's, and a Japanese name's in hiragana and in Latin letters,
    word by word and joined (kana is often heard without the space: すずきありす). Without `read_kanji`, a
    word in kanji whose reading was not learned keys only as written (reading it needs the kanji dictionary)."""
    keys: set[str] = set()
    words = form.split()
    for word in words:
        if not readings.is_japanese(word):
            keys |= _word_keys(word)
            continue
        keys.add("w:" + readings.hiragana(word))
        if read_kanji or readings.readable(word):
            for sounded in readings.sounds(word).split():
                keys |= _word_keys(sounded)
    if len(words) > 1 and readings.is_japanese(form):
        keys.add("w:" + readings.hiragana("".join(words)))
        if read_kanji or all(map(readings.readable, words)):
            keys |= _word_keys("".join(readings.sounds(form).split()))
    return keys


def name_keys(entry: DirectoryEntry) -> set[str]:
    """Every key `entry` is filed under: those of its name, its aliases and its reading."""
    return set().union(*(_form_keys(form) for form in _whole_forms(entry)))


def kanji_words(entry: DirectoryEntry) -> set[str]:
    """The words of `entry`'s names written with kanji (whose readings `apply` stores with the directory)."""
    return {word for form in _whole_forms(entry) for word in form.split() if readings.has_kanji(word)}


def query_keys(query: str, *, read_kanji: bool = True) -> set[str]:
    """The keys to look `query` up under: the entries filed under any of them are the candidates."""
    wanted = normalise_name(query)
    return _form_keys(wanted, read_kanji=read_kanji) if wanted else set()


def filed_under(query: str, read: Callable[[set[str]], Sequence[DirectoryEntry]]) -> list[DirectoryEntry]:
    """The entries `read` finds under the keys of `query`. A word heard in kanji is looked up as written
    first: reading what is filed under it teaches its reading. Only a word in kanji that no name in the
    directory is written with is read with the kanji dictionary, and looked up again."""
    found = list(read(query_keys(query, read_kanji=False)))
    if all(readings.readable(word) for word in normalise_name(query).split()):
        return found
    return list(read(query_keys(query)))


def _whole_forms(entry: DirectoryEntry) -> list[str]:
    names = (entry.name, *entry.aliases, *([entry.reading] if entry.reading else []))
    return [form for form in map(normalise_name, names) if form]


def _forms(entry: DirectoryEntry) -> tuple[list[str], list[str]]:
    """Whole names (the full name, aliases and reading) and single name parts (first name, last name)."""
    whole = _whole_forms(entry)
    parts = sorted({part for form in whole for part in form.split() if len(form.split()) > 1})
    return whole, parts


def _spelled_similarity(query: str, form: str) -> float:
    from rapidfuzz import fuzz

    spelled = max(fuzz.ratio(query, form), fuzz.token_sort_ratio(query, form))
    sounded = fuzz.ratio(" ".join(map(sound_key, query.split())), " ".join(map(sound_key, form.split())))
    return max(spelled, 0.95 * sounded)


# A name matched only through its reading in other letters ranks just below one matched as written.
READ_ACROSS_SCRIPTS = 0.97


def _similarity(query: str, form: str) -> float:
    """How alike two names are, as written and, when either is Japanese, as they sound."""
    if not (readings.is_japanese(query) or readings.is_japanese(form)):
        return _spelled_similarity(query, form)
    as_written = _spelled_similarity(readings.hiragana(query), readings.hiragana(form))
    return max(as_written, READ_ACROSS_SCRIPTS * _spelled_similarity(readings.sounds(query), readings.sounds(form)))


def _same_name(query: str, form: str) -> bool:
    """The same name: as written, or in the other kana (たなか, タナカ)."""
    return query == form or (readings.is_japanese(query) and readings.hiragana(query) == readings.hiragana(form))


def _score(query: str, entry: DirectoryEntry) -> tuple[float, bool]:
    """The best similarity of `query` to `entry`, and whether it equals a whole name, alias or reading."""
    from rapidfuzz import fuzz

    whole, parts = _forms(entry)
    if any(_same_name(query, form) for form in whole):
        return 100.0, True
    scores = [_similarity(query, form) for form in whole]
    # A name said in part ("Acme support" for "ACME Support Desk") ranks just below a whole-name match.
    scores += [0.95 * fuzz.token_set_ratio(query, form) for form in whole if len(query.split()) > 1]
    scores += [0.95 * _similarity(query, part) for part in parts]
    return max(scores, default=0.0), False


def match_names(query: str, entries: Sequence[DirectoryEntry], *, limit: int = 2) -> MatchResult:
    """Entries that `query` names: one when it is clear, up to `limit` (at most two) when it is not."""
    wanted = normalise_name(query)
    if not wanted:
        return MatchResult()
    scored = sorted(
        ((*_score(wanted, entry), index, entry) for index, entry in enumerate(entries)),
        key=lambda item: (-item[0], not item[1], item[2]),
    )
    close = [item for item in scored if item[0] >= MIN_SCORE]
    if not close:
        return MatchResult()
    best_score, best_exact, _, best = close[0]
    rivals = close[1:]
    if not rivals or best_score - rivals[0][0] >= CLEAR_MARGIN or (best_exact and not rivals[0][1]):
        return MatchResult((best,))
    return MatchResult(tuple(item[3] for item in close[: max(1, min(limit, 2))]))


def pick(answer: str, candidates: Sequence[DirectoryEntry]) -> DirectoryEntry | None:
    """The candidate chosen by an answer such as "the first one", "the second", "Alice Chen" or "Chen"."""
    folded = _fold(answer)
    words = set(folded.split())
    for position, ordinal_words in enumerate(ORDINALS[: len(candidates)]):
        if any(word in words or (not word.isascii() and word in folded) for word in ordinal_words):
            return candidates[position]
    return match_names(answer, candidates).match
