"""How a name sounds, so one written in Japanese meets one written in Latin letters: "たなか", "タナカ" and
"田中" all read "tanaka", like "Tanaka".

Kana and kanji are romanised (Hepburn) by pykakasi, a maintained converter with its own dictionary and no
native code. It is imported on the first Japanese name to compare and never otherwise. Kana needs only its
small kana tables; kanji needs its dictionary, which takes a few hundred milliseconds and about 120 MiB to
load. So `apply` reads every name's kanji with the dictionary once and stores the readings with the directory
(`skill.domain.fleet_index`); a request `learn`s those it reads, and loads the dictionary only for a word in
kanji that no name in the directory is written with.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from functools import cache, lru_cache
from typing import Any

# Hiragana, katakana (with the long-vowel mark and half-width forms) and CJK ideographs.
_JAPANESE = re.compile(r"[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005]")  # ideographs and 々
LEARNED_WORDS = 4096  # readings of kanji words a process keeps, the least recently used forgotten first
_learned: OrderedDict[str, str] = OrderedDict()
_learned_lock = threading.Lock()
_KATAKANA = re.compile(r"[\u30a1-\u30f6]")
# Long vowels as names are spelled in Latin letters: さとう "Sato", おおの "Ono" or "Ohno", ゆうき "Yuki".
_LONG_VOWELS = ((re.compile(r"ou|oo|oh(?![aeiouy])"), "o"), (re.compile(r"uu"), "u"))


def is_japanese(text: str) -> bool:
    """Whether `text` holds kana or kanji."""
    return bool(_JAPANESE.search(text))


def hiragana(text: str) -> str:
    """Katakana as hiragana ("タナカ" → "たなか"), so the two kana spellings of a name compare equal."""
    text = unicodedata.normalize("NFKC", text)
    return _KATAKANA.sub(lambda m: chr(ord(m.group()) - 0x60), text)


def has_kanji(text: str) -> bool:
    return bool(_KANJI.search(text))


def learn(word: str, spoken: str) -> None:
    """Remember how a word in kanji reads in Latin letters (as `romanised` gives it), as `apply` stored it."""
    with _learned_lock:
        _learned[word] = spoken
        _learned.move_to_end(word)
        while len(_learned) > LEARNED_WORDS:
            _learned.popitem(last=False)


def readable(word: str) -> bool:
    """Whether `word` can be romanised without the kanji dictionary: it has no kanji, or its reading was
    learned."""
    return not has_kanji(word) or word in _learned


@cache
def _converter() -> Any:
    """pykakasi's converter of kanji (with its dictionary) and kana."""
    import pykakasi

    return pykakasi.kakasi()


@cache
def _kana_converter() -> Any:
    """pykakasi's converter of kana alone, which needs none of its kanji dictionary."""
    from pykakasi.scripts import IConv

    return IConv()


def _romanised_word(word: str) -> str:
    if not is_japanese(word):
        return word
    with _learned_lock:
        known = _learned.get(word)
    if known is not None:
        return known
    if not has_kanji(word):
        return str(_kana_converter().convert(word, hiragana(word))["hepburn"])
    return "".join(str(piece["hepburn"]) for piece in _converter().convert(word))


@lru_cache(maxsize=4096)
def romanised(text: str) -> str:
    """`text` in Latin letters, lower case, words kept apart: "田中 アリス" → "tanaka arisu". Kanji is read
    as learned, else with the dictionary."""
    if not is_japanese(text):
        return text.lower()
    words = (_romanised_word(word).lower() for word in text.split())
    return " ".join(word for word in words if word)


def sounds(text: str) -> str:
    """What `text` sounds like in Latin letters, long vowels folded as names are spelled: "さとう" and
    "Sato" both give "sato"."""
    spoken = romanised(text)
    for long_vowel, short in _LONG_VOWELS:
        spoken = long_vowel.sub(short, spoken)
    return spoken
