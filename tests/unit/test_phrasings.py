"""The interaction models understand what people really say: suites of everyday phrasings per locale,
written apart from the models (tests/fixtures/phrasings/), run through the matcher `office-skill chat` uses.

A phrasing is understood when it reaches the intent meant with exactly the slots meant, each holding the
value meant (the value's id for a known room, person, feature or phone type; the words heard otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from skill.local.nlu import Match, Model, SlotValue, load_model

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "interaction_models" / "custom"
SUITES = ROOT / "tests" / "fixtures" / "phrasings"
TUESDAY = date(2026, 11, 24)
# How many phrasings each suite holds at least, and the share each model must understand.
SUITE_SIZE = {"en-US": 60, "ja-JP": 40}
UNDERSTOOD = {"en-US": 0.90, "ja-JP": 0.80}


@dataclass(frozen=True)
class Phrasing:
    say: str
    intent: str
    slots: dict[str, str]


def load_suite(path: Path) -> list[Phrasing]:
    entries: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Phrasing(e["say"], e["intent"], {k: str(v) for k, v in (e.get("slots") or {}).items()}) for e in entries]


def means(slot: SlotValue, wanted: str) -> bool:
    heard = {(text or "").casefold() for text in (slot.resolved_id, slot.value, slot.raw)}
    return wanted.casefold() in heard


def understood(match: Match, phrasing: Phrasing) -> bool:
    filled = {name: slot for name, slot in match.slots.items() if slot.value is not None}
    return (
        match.intent == phrasing.intent
        and set(filled) == set(phrasing.slots)
        and all(means(filled[name], wanted) for name, wanted in phrasing.slots.items())
    )


def misses(model: Model, suite: list[Phrasing]) -> list[str]:
    """The phrasings `model` gets wrong, each with what it understood instead."""
    wrong: list[str] = []
    for phrasing in suite:
        match = model.match(phrasing.say, today=TUESDAY)
        if not understood(match, phrasing):
            filled = {name: slot.value for name, slot in match.slots.items() if slot.value is not None}
            wrong.append(f"{phrasing.say!r} → {match.intent} {filled}")
    return wrong


@cache
def model_of(locale: str) -> Model:
    return load_model(MODELS / f"{locale}.json")


@pytest.fixture(scope="module", params=sorted(SUITE_SIZE))
def locale(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def suite(locale: str) -> list[Phrasing]:
    return load_suite(SUITES / f"{locale}.yaml")


def test_each_suite_is_large_and_asks_for_every_custom_intent(locale: str, suite: list[Phrasing]) -> None:
    # Given the model's custom intents
    custom = {name for name in model_of(locale).intents if not name.startswith("AMAZON.")}

    # Then the suite has enough distinct phrasings, and each custom intent is meant by at least one
    assert len({p.say for p in suite}) == len(suite) >= SUITE_SIZE[locale]
    assert {p.intent for p in suite} == custom
    for phrasing in suite:
        assert set(phrasing.slots) <= set(model_of(locale).intent_slots(phrasing.intent)), phrasing


def test_the_model_understands_the_everyday_phrasings(locale: str, suite: list[Phrasing]) -> None:
    # When every phrasing of the suite is matched
    wrong = misses(model_of(locale), suite)

    # Then the share understood reaches the locale's bar
    share = 1 - len(wrong) / len(suite)
    assert share >= UNDERSTOOD[locale], f"{share:.0%} understood; missed:\n" + "\n".join(wrong)
