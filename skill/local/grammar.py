"""The interaction models' sample utterances, generated from a reviewable grammar per locale.

`interaction_models/grammar/<locale>.yaml` says, per intent, how people ask for it: patterns made of carrier
phrases, objects, fillers and politeness forms, and every combination of a pattern's parts is one sample.
`office-skill models` writes the samples (the intents' and the slots' elicitation samples) into
`interaction_models/custom/<locale>.json` and keeps the rest of the model as it is (invocation name, slot
types, dialog model, prompts); `office-skill models --check` only tells whether the files are up to date.

Pattern syntax:

- `(a|b|)`: one of the alternatives; an empty alternative leaves the part out. `[a]` is `(a|)`.
- `<name>`: one of the phrases of the set `name` under `phrases:`; a phrase is itself a pattern.
- `{slot}`: a slot of the intent, as in Alexa's samples.

Japanese (a locale starting with `ja`) is written without word spaces: spaces in patterns are ignored and
each `{slot}` is set off by one space on each side, as Alexa's Japanese samples are.

Generation fails, naming the intent and the sample, when a sample uses a slot its intent does not declare
or uses one slot twice, holds characters Alexa does not accept in samples, consists of slots only, is
claimed by two intents, or when an intent has fewer samples than MIN_SAMPLES or more than MAX_SAMPLES.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2] / "interaction_models"
GRAMMARS = ROOT / "grammar"
MODELS = ROOT / "custom"

MIN_SAMPLES = 60
# Far below what Alexa accepts (a model definition of up to a million characters), so that a model stays
# quick to build and its samples stay ones a person would review.
MAX_SAMPLES = 300
MAX_MODEL_CHARACTERS = 250_000

SLOT = re.compile(r"\{(\w+)\}")
# Samples Alexa accepts: lower-case letters, apostrophes, periods and spaces around {slot} references; in
# Japanese, kana, kanji and the long-vowel mark.
SAMPLE_CHARACTERS = {
    "en": re.compile(r"(?:[a-z'. ]|\{[A-Za-z]+\})+"),
    "ja": re.compile(r"(?:[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fffー ]|\{[A-Za-z]+\})+"),
}


class GrammarError(ValueError):
    """A grammar that would give a model Alexa refuses or that the skill cannot rely on; lists every problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


# ---------------------------------------------------------------- patterns


def _split_alternatives(text: str, start: int, closing: str) -> tuple[list[str], int]:
    """The `|`-separated alternatives from `start` up to the matching `closing`, and the index after it."""
    alternatives: list[str] = []
    depth = 0
    current = start
    for i in range(start, len(text)):
        char = text[i]
        if char in "([":
            depth += 1
        elif char in ")]":
            if depth == 0:
                if char != closing:
                    raise ValueError(f"{text!r}: {char!r} closes a {'(' if closing == ')' else '['}")
                alternatives.append(text[current:i])
                return alternatives, i + 1
            depth -= 1
        elif char == "|" and depth == 0:
            alternatives.append(text[current:i])
            current = i + 1
    raise ValueError(f"{text!r}: {'(' if closing == ')' else '['} is never closed")


def expand(pattern: str, phrases: Mapping[str, Sequence[str]], _using: tuple[str, ...] = ()) -> list[str]:
    """Every text `pattern` stands for, in order, duplicates removed; spaces are not normalised yet."""
    pieces: list[list[str]] = []
    i = 0
    literal = ""
    while i < len(pattern):
        char = pattern[i]
        if char in "([":
            alternatives, i = _split_alternatives(pattern, i + 1, ")" if char == "(" else "]")
            if char == "[":
                alternatives = [*alternatives, ""]
            pieces.append([literal])
            literal = ""
            pieces.append([text for alt in alternatives for text in expand(alt, phrases, _using)])
            continue
        if char == "<":
            end = pattern.find(">", i)
            name = pattern[i + 1 : end] if end > i else ""
            if not name or name not in phrases:
                raise ValueError(f"{pattern!r}: unknown phrase set <{name}>")
            if name in _using:
                raise ValueError(f"{pattern!r}: <{name}> refers to itself")
            pieces.append([literal])
            literal = ""
            pieces.append([text for phrase in phrases[name] for text in expand(phrase, phrases, (*_using, name))])
            i = end + 1
            continue
        if char in ")]|>":
            raise ValueError(f"{pattern!r}: unexpected {char!r}")
        literal += char
        i += 1
    pieces.append([literal])
    return list(dict.fromkeys("".join(parts) for parts in product(*pieces)))


def spaced(text: str, compact: bool) -> str:
    """A sample as Alexa wants it: single spaces between words; in Japanese, spaces only around slots."""
    if compact:
        text = "".join(text.split())
        return " ".join(SLOT.sub(r" {\1} ", text).split())
    return " ".join(text.split())


# ---------------------------------------------------------------- the grammar


@dataclass(frozen=True)
class IntentGrammar:
    samples: tuple[str, ...]  # patterns
    slots: Mapping[str, tuple[str, ...]]  # slot name -> patterns of its elicitation samples


@dataclass(frozen=True)
class Grammar:
    locale: str
    phrases: Mapping[str, tuple[str, ...]]
    intents: Mapping[str, IntentGrammar]

    @property
    def compact(self) -> bool:
        return self.locale.startswith("ja")

    def generate(self, patterns: Iterable[str]) -> list[str]:
        samples: dict[str, None] = {}
        for pattern in patterns:
            for text in expand(pattern, self.phrases):
                if sample := spaced(text, self.compact):
                    samples.setdefault(sample, None)
        return list(samples)


def _strings(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: expected a list of patterns")
        return ()
    return tuple(value)


def parse_grammar(document: Any) -> Grammar:
    """A Grammar from a parsed grammar file; raises GrammarError naming every malformed part."""
    problems: list[str] = []
    if not isinstance(document, Mapping):
        raise GrammarError(["(top): expected a mapping with locale, phrases and intents"])
    locale = document.get("locale")
    if not isinstance(locale, str) or not re.fullmatch(r"[a-z]{2}-[A-Z]{2}", locale):
        problems.append(f"locale: expected a locale such as en-US, got {locale!r}")
        locale = ""
    phrases = {
        str(name): _strings(texts, f"phrases.{name}", problems)
        for name, texts in (document.get("phrases") or {}).items()
    }
    intents: dict[str, IntentGrammar] = {}
    for name, entry in (document.get("intents") or {}).items():
        if not isinstance(entry, Mapping):
            problems.append(f"intents.{name}: expected a mapping with samples (and slots)")
            continue
        slots = {
            str(slot): _strings(patterns, f"intents.{name}.slots.{slot}", problems)
            for slot, patterns in (entry.get("slots") or {}).items()
        }
        intents[str(name)] = IntentGrammar(
            _strings(entry.get("samples") or [], f"intents.{name}.samples", problems), slots
        )
    if problems:
        raise GrammarError(problems)
    return Grammar(locale, phrases, intents)


def load_grammar(path: Path) -> Grammar:
    import yaml

    return parse_grammar(yaml.safe_load(path.read_text(encoding="utf-8")))


# ---------------------------------------------------------------- the model


def _check_sample(sample: str, declared: set[str], characters: re.Pattern[str], where: str) -> list[str]:
    problems: list[str] = []
    used = SLOT.findall(sample)
    if not characters.fullmatch(sample):
        problems.append(f"{where}: {sample!r} has characters Alexa does not accept in samples")
    if unknown := sorted(set(used) - declared):
        problems.append(f"{where}: {sample!r} uses {', '.join(unknown)}, which the intent does not declare")
    if len(used) != len(set(used)):
        problems.append(f"{where}: {sample!r} uses a slot twice")
    return problems


def generate_model(grammar: Grammar, model: Mapping[str, Any]) -> dict[str, Any]:
    """`model` (an interaction model document) with every intent's and slot's samples from `grammar`."""
    document: dict[str, Any] = copy.deepcopy(dict(model))
    language = document["interactionModel"]["languageModel"]
    characters = SAMPLE_CHARACTERS["ja" if grammar.compact else "en"]
    problems: list[str] = []
    claimed: dict[str, str] = {}
    custom = {intent["name"] for intent in language["intents"] if not intent["name"].startswith("AMAZON.")}
    if missing := sorted(custom - set(grammar.intents)):
        problems.append(f"intents: no grammar for {', '.join(missing)}")
    if unknown := sorted(set(grammar.intents) - {intent["name"] for intent in language["intents"]}):
        problems.append(f"intents: {', '.join(unknown)} not in the model")
    for intent in language["intents"]:
        name = intent["name"]
        rules = grammar.intents.get(name)
        if rules is None:
            continue
        declared = {slot["name"] for slot in intent.get("slots", [])}
        try:
            samples = grammar.generate(rules.samples)
            slot_samples = {slot: grammar.generate(patterns) for slot, patterns in rules.slots.items()}
        except ValueError as error:
            problems.append(f"intents.{name}: {error}")
            continue
        for sample in samples:
            problems += _check_sample(sample, declared, characters, f"intents.{name}")
            if not SLOT.sub("", sample).strip():
                problems.append(f"intents.{name}: {sample!r} is slots only, which Alexa refuses beside a dialog model")
            key = "".join(sample.split()) if grammar.compact else sample
            if claimed.setdefault(key, name) != name:
                problems.append(f"intents.{name}: {sample!r} is claimed by {claimed[key]} too")
        if name in custom and not MIN_SAMPLES <= len(samples) <= MAX_SAMPLES:
            problems.append(f"intents.{name}: {len(samples)} samples, expected {MIN_SAMPLES} to {MAX_SAMPLES}")
        if unknown_slots := sorted(set(slot_samples) - declared):
            problems.append(f"intents.{name}.slots: {', '.join(unknown_slots)} not declared by the intent")
        for slot, texts in slot_samples.items():
            for sample in texts:
                problems += _check_sample(sample, declared, characters, f"intents.{name}.slots.{slot}")
                if slot not in SLOT.findall(sample):
                    problems.append(f"intents.{name}.slots.{slot}: {sample!r} does not hold {{{slot}}}")
        intent["samples"] = samples
        for slot in intent.get("slots", []):
            if slot_samples.get(slot["name"]):
                slot["samples"] = slot_samples[slot["name"]]
            else:
                slot.pop("samples", None)
    if (size := len(render(document))) > MAX_MODEL_CHARACTERS:
        problems.append(f"the model has {size} characters, more than {MAX_MODEL_CHARACTERS}")
    if problems:
        raise GrammarError(problems)
    return document


def render(document: Mapping[str, Any]) -> str:
    """A model file's text: two-space indented JSON, non-ASCII kept, one final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def regenerate(locale: str, grammars: Path = GRAMMARS, models: Path = MODELS) -> tuple[str, str]:
    """The model file of `locale` as it is and as its grammar makes it."""
    path = models / f"{locale}.json"
    current = path.read_text(encoding="utf-8")
    return current, render(generate_model(load_grammar(grammars / f"{locale}.yaml"), json.loads(current)))


def update_models(
    locales: Sequence[str] = (), *, check: bool = False, grammars: Path = GRAMMARS, models: Path = MODELS
) -> int:
    """`office-skill models [--check] [LOCALE ...]`: writes each locale's model from its grammar (every
    grammar when none is named). 0 when written or up to date, 1 when `check` finds one stale, 2 on errors."""
    stale: dict[str, str] = {}
    for locale in locales or sorted(path.stem for path in grammars.glob("*.yaml")):
        try:
            current, wanted = regenerate(locale, grammars, models)
        except FileNotFoundError as error:
            print(f"office-skill models: {locale}: no such file: {error.filename}", file=sys.stderr)
            return 2
        except GrammarError as error:
            print(f"office-skill models: {locale}:\n  " + "\n  ".join(error.problems), file=sys.stderr)
            return 2
        if current != wanted:
            stale[locale] = wanted
    if check:
        if stale:
            print(f"out of date: {', '.join(stale)} (run office-skill models)", file=sys.stderr)
        return 1 if stale else 0
    for locale, text in stale.items():
        (models / f"{locale}.json").write_text(text, encoding="utf-8")
        print(f"wrote {models / f'{locale}.json'}")
    return 0
