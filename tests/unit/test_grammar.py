"""The interaction models' samples come from the grammar in interaction_models/grammar/, and only from it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from skill.local.grammar import (
    GRAMMARS,
    MAX_SAMPLES,
    MIN_SAMPLES,
    MODELS,
    GrammarError,
    expand,
    generate_model,
    parse_grammar,
    regenerate,
    update_models,
)
from skill.local.nlu import load_model

LOCALES = ("en-US", "ja-JP")


def small_model(*intents: dict[str, Any]) -> dict[str, Any]:
    return {"interactionModel": {"languageModel": {"invocationName": "office assistant", "intents": list(intents)}}}


def grammar(intents: dict[str, Any], phrases: dict[str, Any] | None = None, locale: str = "en-US") -> Any:
    return parse_grammar({"locale": locale, "phrases": phrases or {}, "intents": intents})


MANY = "(a|b|c|d|e|f|g|h) (i|j|k|l|m|n|o|p)"  # 64 samples
STATUS = {"name": "RoomStatusIntent", "slots": [{"name": "room", "type": "ROOM_NAME"}], "samples": []}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_checked_in_models_are_what_their_grammars_make(locale: str) -> None:
    # When the model is generated again from its grammar
    current, regenerated = regenerate(locale)

    # Then nothing differs: run `office-skill models` after editing the grammar
    assert current == regenerated


@pytest.mark.parametrize("locale", LOCALES)
def test_every_custom_intent_has_enough_samples_and_none_is_claimed_twice(locale: str) -> None:
    # Given the model as generated
    document = json.loads((MODELS / f"{locale}.json").read_text(encoding="utf-8"))
    intents = document["interactionModel"]["languageModel"]["intents"]

    # Then each custom intent has from MIN_SAMPLES to MAX_SAMPLES samples, all distinct across the model
    for intent in intents:
        if not intent["name"].startswith("AMAZON."):
            assert MIN_SAMPLES <= len(intent["samples"]) <= MAX_SAMPLES, intent["name"]
    joiner = "" if locale == "ja-JP" else " "
    every = [joiner.join(sample.split()) for intent in intents for sample in intent.get("samples", [])]
    assert len(every) == len(set(every))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_generated_sample_routes_to_its_own_intent(locale: str) -> None:
    # Given the generated model and every sample of it without slots
    model = load_model(MODELS / f"{locale}.json")
    document = json.loads((MODELS / f"{locale}.json").read_text(encoding="utf-8"))
    plain = [
        (intent["name"], sample)
        for intent in document["interactionModel"]["languageModel"]["intents"]
        for sample in intent.get("samples", [])
        if "{" not in sample
    ]

    # When each is said as written / Then it reaches the intent that claims it
    assert plain
    assert [(name, sample) for name, sample in plain if model.match(sample).intent != name] == []


def test_start_the_meeting_and_the_conference_call_join_the_meeting() -> None:
    # Given the models of both locales
    english = load_model(MODELS / "en-US.json")
    japanese = load_model(MODELS / "ja-JP.json")

    # Then starting the meeting or connecting to the conference call means joining its call
    for text in ("start the meeting", "connect me to the conference call", "connect us to the call"):
        assert english.match(text).intent == "JoinMeetingIntent", text
    for text in ("会議を始めて", "電話会議につないでください"):
        assert japanese.match(text).intent == "JoinMeetingIntent", text
    assert english.match("check us in").intent == "MeetingCheckInIntent"


@pytest.mark.parametrize(
    ("pattern", "phrases", "expected"),
    [
        ("is (this|the) room free", {}, ["is this room free", "is the room free"]),
        ("book [this] room", {}, ["book this room", "book  room"]),
        ("<ask> help", {"ask": ["please", "can you"]}, ["please help", "can you help"]),
        ("(a|(b|c) d)", {}, ["a", "b d", "c d"]),
        ("<x>", {"x": ["[y]z", "<w>"], "w": ["w"]}, ["yz", "z", "w"]),
        ("book {room} (|for {duration})", {}, ["book {room} ", "book {room} for {duration}"]),
    ],
)
def test_a_pattern_stands_for_every_combination_of_its_parts(
    pattern: str, phrases: dict[str, list[str]], expected: list[str]
) -> None:
    assert expand(pattern, phrases) == expected


@pytest.mark.parametrize(
    ("pattern", "phrases", "problem"),
    [
        ("(a|b", {}, "never closed"),
        ("a)", {}, "unexpected"),
        ("(a]", {}, "closes"),
        ("<nope>", {}, "unknown phrase set <nope>"),
        ("<x>", {"x": ["<x>"]}, "refers to itself"),
    ],
)
def test_a_malformed_pattern_is_named(pattern: str, phrases: dict[str, list[str]], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        expand(pattern, phrases)


def test_samples_and_slot_samples_are_written_and_the_rest_of_the_model_is_kept() -> None:
    # Given an intent whose slot has elicitation samples, and a model with a dialog part
    rules = grammar({"RoomStatusIntent": {"samples": [f"{MANY} {{room}}"], "slots": {"room": ["[in] {room}"]}}})
    model = small_model(dict(STATUS))
    model["interactionModel"]["dialog"] = {"delegationStrategy": "SKILL_RESPONSE"}

    # When the model is generated
    document = generate_model(rules, model)

    # Then the samples are the grammar's, and everything else is as it was
    [intent] = document["interactionModel"]["languageModel"]["intents"]
    assert len(intent["samples"]) == 64 and intent["samples"][0] == "a i {room}"
    assert intent["slots"][0]["samples"] == ["in {room}", "{room}"]
    assert document["interactionModel"]["dialog"] == model["interactionModel"]["dialog"]


def test_japanese_samples_have_spaces_around_slots_only() -> None:
    # Given Japanese patterns written with and without spaces
    rules = parse_grammar(
        {
            "locale": "ja-JP",
            "phrases": {"ka": ["あ", "い", "う", "え", "お", "か", "き", "く"]},
            "intents": {"RoomStatusIntent": {"samples": ["<ka><ka>", "{room} は 空いてる", "今{room}は使える"]}},
        }
    )
    # When the model is generated
    [intent] = generate_model(rules, small_model(dict(STATUS)))["interactionModel"]["languageModel"]["intents"]

    # Then words run together and each slot stands apart, as in Alexa's Japanese samples
    assert intent["samples"][-2:] == ["{room} は空いてる", "今 {room} は使える"]


@pytest.mark.parametrize(
    ("intents", "problem"),
    [
        ({"RoomStatusIntent": {"samples": [MANY, "is {date} free"]}}, "uses date, which the intent does not declare"),
        ({"RoomStatusIntent": {"samples": [MANY, "is {room} {room} free"]}}, "uses a slot twice"),
        ({"RoomStatusIntent": {"samples": [MANY, "is Fuji free"]}}, "characters Alexa does not accept"),
        ({"RoomStatusIntent": {"samples": [MANY, "{room}"]}}, "slots only"),
        ({"RoomStatusIntent": {"samples": ["(a|b) room"]}}, "2 samples, expected 60 to 300"),
        ({"RoomStatusIntent": {"samples": [MANY, "(a|b|c|d|e) (a|b|c|d|e|f|g|h) (a|b|c|d|e|f|g|h)"]}}, "expected 60"),
        ({"RoomStatusIntent": {"samples": [MANY], "slots": {"room": ["in the room"]}}}, "does not hold {room}"),
        ({"RoomStatusIntent": {"samples": [MANY], "slots": {"date": ["{date}"]}}}, "date not declared"),
        ({}, "no grammar for RoomStatusIntent"),
        (
            {"RoomStatusIntent": {"samples": [MANY]}, "PizzaIntent": {"samples": ["pizza"]}},
            "PizzaIntent not in the model",
        ),
    ],
)
def test_a_grammar_alexa_or_the_skill_would_refuse_is_rejected_with_the_reason(
    intents: dict[str, Any], problem: str
) -> None:
    with pytest.raises(GrammarError, match=problem):
        generate_model(grammar(intents), small_model(dict(STATUS)))


def test_a_sample_claimed_by_two_intents_is_rejected() -> None:
    # Given two intents that both claim "a i"
    end = {"name": "EndMeetingIntent", "samples": []}
    rules = grammar({"RoomStatusIntent": {"samples": [MANY]}, "EndMeetingIntent": {"samples": [MANY]}})

    # Then generation names the sample and both intents
    with pytest.raises(GrammarError, match="'a i' is claimed by RoomStatusIntent too"):
        generate_model(rules, small_model(dict(STATUS), end))


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], "expected a mapping"),
        ({"locale": "english", "intents": {}}, "locale: expected a locale"),
        ({"locale": "en-US", "phrases": {"ask": 3}, "intents": {}}, "phrases.ask: expected a list"),
        ({"locale": "en-US", "intents": {"RoomStatusIntent": ["x"]}}, "intents.RoomStatusIntent: expected a mapping"),
    ],
)
def test_a_malformed_grammar_file_is_named(document: Any, problem: str) -> None:
    with pytest.raises(GrammarError, match=problem):
        parse_grammar(document)


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the grammars and models to regenerate in."""
    grammars, models = tmp_path / "grammar", tmp_path / "custom"
    shutil.copytree(GRAMMARS, grammars)
    shutil.copytree(MODELS, models)
    return grammars, models


def test_models_check_tells_a_stale_model_and_models_writes_it(
    workspace: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a grammar with one more way to ask for help than its model has
    grammars, models = workspace
    path = grammars / "en-US.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '"how does this work"', '"how does this work"\n      - "what are my options"'
        )
    )

    # When the models are checked, then written, then checked again
    stale = update_models(check=True, grammars=grammars, models=models)
    written = update_models(grammars=grammars, models=models)
    fresh = update_models(check=True, grammars=grammars, models=models)

    # Then the check fails naming the locale, the write adds the sample, and the second check passes
    assert (stale, written, fresh) == (1, 0, 0)
    assert "out of date: en-US" in capsys.readouterr().err
    assert "what are my options" in (models / "en-US.json").read_text(encoding="utf-8")


def test_models_refuses_a_bad_grammar_and_writes_nothing(
    workspace: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a grammar whose help sample is also a way to book
    grammars, models = workspace
    path = grammars / "en-US.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('"how does this work"', '"book this room"'))
    before = (models / "en-US.json").read_text(encoding="utf-8")

    # When the models are written
    result = update_models(["en-US"], grammars=grammars, models=models)

    # Then it fails with the reason, and the model is untouched
    assert result == 2
    assert "'book this room' is claimed by BookRoomIntent too" in capsys.readouterr().err
    assert (models / "en-US.json").read_text(encoding="utf-8") == before


def test_models_names_a_locale_without_grammar(
    workspace: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    grammars, models = workspace
    assert update_models(["fr-FR"], grammars=grammars, models=models) == 2
    assert "fr-FR" in capsys.readouterr().err
