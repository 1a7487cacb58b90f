"""How a name sounds, so one written in Japanese meets one written in Latin letters: "たなか", "タナカ" and
"田中" all read "tanaka", like "Tanaka".

Kana and kanji are romanised (Hepburn) by pykakasi, a maintained converter with its own dictionary and no
native code. It is imported on the first Japanese name to compare and never otherwise: opening its
dictionary takes a few hundred milliseconds, which a launch or a Latin-only directory never pays.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

# Hiragana, katakana (with the long-vowel mark and half-width forms) and CJK ideographs.
_JAPANESE = re.compile(r"[\u3041-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
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


@cache
def _converter() -> Any:
    import pykakasi

    return pykakasi.kakasi()


@lru_cache(maxsize=4096)
def romanised(text: str) -> str:
    """`text` in Latin letters, lower case, words kept apart: "田中 アリス" → "tanaka arisu"."""
    if not is_japanese(text):
        return text.lower()
    words = []
    for word in text.split():
        pieces = _converter().convert(word) if is_japanese(word) else [{"hepburn": word}]
        words.append("".join(str(piece["hepburn"]) for piece in pieces).lower())
    return " ".join(word for word in words if word)


def sounds(text: str) -> str:
    """What `text` sounds like in Latin letters, long vowels folded as names are spelled: "さとう" and
    "Sato" both give "sato"."""
    spoken = romanised(text)
    for long_vowel, short in _LONG_VOWELS:
        spoken = long_vowel.sub(short, spoken)
    return spoken
