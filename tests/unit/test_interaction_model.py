"""Every locale's interaction model keeps the contract's names and would build on Alexa and in virtual-alexa."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

MODELS = Path(__file__).resolve().parents[2] / "interaction_models" / "custom"
LOCALES = ("en-US", "ja-JP")
INVOCATION_NAMES = {"en-US": "office assistant", "ja-JP": "オフィス アシスタント"}

CONTRACT_INTENTS = {
    "RoomStatusIntent": {"room"},
    "BookRoomIntent": {"room", "date", "startTime", "duration", "attendees"},
    "FindRoomIntent": {"date", "startTime", "duration", "attendees", "feature"},
    "ExtendMeetingIntent": {"duration"},
    "EndMeetingIntent": set(),
    "MeetingCheckInIntent": set(),
    "NextMeetingIntent": {"room"},
    "CancelBookingIntent": {"room", "date", "startTime"},
    "CallContactIntent": {"contact", "phoneType"},
    "DialNumberIntent": {"phoneNumber"},
    "JoinMeetingIntent": set(),
    "VisitorCheckInIntent": {"visitorName", "host", "company"},
    "VisitorCheckOutIntent": {"visitorName"},
    "ExpectVisitorIntent": {"visitorName", "date", "startTime"},
    "ReportProblemIntent": {"problem", "room"},
}
BUILTIN_INTENTS = {
    "AMAZON.HelpIntent",
    "AMAZON.CancelIntent",
    "AMAZON.StopIntent",
    "AMAZON.FallbackIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.YesIntent",
    "AMAZON.NoIntent",
}
SLOT_TYPES = {
    "room": "ROOM_NAME",
    "date": "AMAZON.DATE",
    "startTime": "AMAZON.TIME",
    "duration": "AMAZON.DURATION",
    "attendees": "AMAZON.NUMBER",
    "feature": "ROOM_FEATURE",
    "contact": "CONTACT_NAME",
    "phoneType": "PHONE_TYPE",
    "phoneNumber": "AMAZON.PhoneNumber",
    "visitorName": "AMAZON.Person",
    "host": "CONTACT_NAME",
    "company": "AMAZON.Organization",
    "problem": "AMAZON.SearchQuery",
}
CONFIRMED_INTENTS = {
    "BookRoomIntent",
    "CallContactIntent",
    "DialNumberIntent",
    "JoinMeetingIntent",
    "VisitorCheckInIntent",
    "CancelBookingIntent",
    "ExpectVisitorIntent",
}
REQUIRED_SLOTS = {
    ("BookRoomIntent", "duration"),
    ("VisitorCheckInIntent", "visitorName"),
    ("VisitorCheckInIntent", "host"),
}
# Alexa sample utterances: letters, apostrophes, periods and spaces around {slot} references; in Japanese,
# kana, kanji and the long-vowel mark, written without word spaces except around slots.
SAMPLE_CHARACTERS = {
    "en-US": re.compile(r"(?:[a-z'. ]|\{[A-Za-z]+\})+"),
    "ja-JP": re.compile(r"(?:[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fffー ]|\{[A-Za-z]+\})+"),
}
MIN_SAMPLES = 60
SLOT_REFERENCE = re.compile(r"\{(\w+)\}")


@pytest.fixture(scope="module", params=LOCALES)
def locale(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def model(locale: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((MODELS / f"{locale}.json").read_text(encoding="utf-8"))
    return document["interactionModel"]


@pytest.fixture(scope="module")
def intents(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {intent["name"]: intent for intent in model["languageModel"]["intents"]}


def slots_of(intent: dict[str, Any]) -> dict[str, str]:
    return {slot["name"]: slot["type"] for slot in intent.get("slots", [])}


def test_invocation_name_is_office_assistant(model: dict[str, Any], locale: str) -> None:
    assert model["languageModel"]["invocationName"] == INVOCATION_NAMES[locale]


def test_the_contract_intents_and_built_ins_are_exactly_the_model_intents(intents: dict[str, Any]) -> None:
    assert set(intents) == set(CONTRACT_INTENTS) | BUILTIN_INTENTS


@pytest.mark.parametrize("name", sorted(CONTRACT_INTENTS))
def test_each_intent_has_the_contract_slots_with_their_types(intents: dict[str, Any], name: str) -> None:
    slots = slots_of(intents[name])
    assert set(slots) == CONTRACT_INTENTS[name]
    assert slots == {slot: SLOT_TYPES[slot] for slot in slots}


def test_every_custom_slot_type_used_is_defined_with_values(model: dict[str, Any]) -> None:
    # Given
    defined = {slot_type["name"]: slot_type for slot_type in model["languageModel"]["types"]}
    used = {slot["type"] for intent in model["languageModel"]["intents"] for slot in intent.get("slots", [])}

    # Then every non-built-in type is defined, and every value has an id and a name
    assert {t for t in used if not t.startswith("AMAZON.")} == set(defined)
    for slot_type in defined.values():
        assert slot_type["values"]
        for value in slot_type["values"]:
            assert value["id"] and value["name"]["value"]


SYNONYMS_PEOPLE_USE = {
    "en-US": {
        ("PHONE_TYPE", "mobile"): {"cell", "cellphone"},
        ("PHONE_TYPE", "office"): {"work", "desk"},
        ("ROOM_FEATURE", "screen"): {"projector"},
        ("ROOM_FEATURE", "video"): {"video conferencing"},
    },
    "ja-JP": {
        ("PHONE_TYPE", "mobile"): {"携帯電話", "スマホ"},
        ("PHONE_TYPE", "office"): {"会社の電話", "内線"},
        ("ROOM_FEATURE", "screen"): {"プロジェクター"},
        ("ROOM_FEATURE", "video"): {"テレビ会議"},
        ("ROOM_NAME", "fuji"): {"富士山"},
    },
}


def test_slot_types_resolve_the_synonyms_people_use(model: dict[str, Any], locale: str) -> None:
    # Given each value's spoken forms, by type and id
    spoken = {
        (t["name"], v["id"]): {v["name"]["value"], *v["name"].get("synonyms", [])}
        for t in model["languageModel"]["types"]
        for v in t["values"]
    }

    # Then the words people use resolve, and the rooms keep the fleet's ids in every locale
    for key, words in SYNONYMS_PEOPLE_USE[locale].items():
        assert words <= spoken[key], key
    assert {"fuji", "everest"} <= {value_id for type_name, value_id in spoken if type_name == "ROOM_NAME"}


@pytest.mark.parametrize("name", sorted(CONTRACT_INTENTS))
def test_custom_intents_have_at_least_sixty_distinct_samples(intents: dict[str, Any], name: str) -> None:
    samples = intents[name]["samples"]
    assert len(set(samples)) == len(samples) >= MIN_SAMPLES


def test_samples_use_only_declared_slots_and_alexa_characters(intents: dict[str, Any], locale: str) -> None:
    characters = SAMPLE_CHARACTERS[locale]
    for name, intent in intents.items():
        slots = slots_of(intent)
        for sample in intent.get("samples", []):
            assert characters.fullmatch(sample), (name, sample)
            assert set(SLOT_REFERENCE.findall(sample)) <= set(slots), (name, sample)
        for slot in intent.get("slots", []):
            for sample in slot.get("samples", []):
                assert characters.fullmatch(sample), (name, sample)
                assert slot["name"] in SLOT_REFERENCE.findall(sample), (name, sample)
                assert set(SLOT_REFERENCE.findall(sample)) <= set(slots), (name, sample)


def test_no_sample_is_claimed_by_two_intents(intents: dict[str, Any], locale: str) -> None:
    # Japanese is spoken without word spaces: two samples that differ only in spacing are the same sample.
    joiner = "" if locale == "ja-JP" else " "
    claimed: defaultdict[str, set[str]] = defaultdict(set)
    for name, intent in intents.items():
        for sample in intent.get("samples", []):
            claimed[joiner.join(sample.lower().split())].add(name)
    assert {sample: names for sample, names in claimed.items() if len(names) > 1} == {}


def test_dialog_model_leaves_the_dialog_to_the_skill(model: dict[str, Any], intents: dict[str, Any]) -> None:
    dialog = model["dialog"]
    assert dialog["delegationStrategy"] == "SKILL_RESPONSE"
    for dialog_intent in dialog["intents"]:
        assert dialog_intent.get("delegationStrategy", "SKILL_RESPONSE") == "SKILL_RESPONSE"
        declared = slots_of(intents[dialog_intent["name"]])
        assert {slot["name"]: slot["type"] for slot in dialog_intent["slots"]} == declared


def test_confirmations_and_required_slots_are_the_ones_the_skill_relies_on(model: dict[str, Any]) -> None:
    # Given
    dialog_intents = {intent["name"]: intent for intent in model["dialog"]["intents"]}

    # When
    confirmed = {name for name, intent in dialog_intents.items() if intent["confirmationRequired"]}
    required = {
        (name, slot["name"])
        for name, intent in dialog_intents.items()
        for slot in intent["slots"]
        if slot["elicitationRequired"]
    }

    # Then
    assert confirmed == CONFIRMED_INTENTS
    assert required == REQUIRED_SLOTS


def test_prompt_references_are_consistent(model: dict[str, Any], intents: dict[str, Any]) -> None:
    # Given
    prompts = {prompt["id"]: prompt for prompt in model["prompts"]}
    referenced: set[str] = set()

    # When every prompt reference of the dialog model is followed
    for dialog_intent in model["dialog"]["intents"]:
        slots = slots_of(intents[dialog_intent["name"]])
        uses = [("confirmation", dialog_intent["prompts"].get("confirmation"), dialog_intent["confirmationRequired"])]
        for slot in dialog_intent["slots"]:
            uses.append(("elicitation", slot["prompts"].get("elicitation"), slot["elicitationRequired"]))
            uses.append(("confirmation", slot["prompts"].get("confirmation"), slot["confirmationRequired"]))
        for kind, prompt_id, needed in uses:
            # Then a prompt exists exactly where the dialog model needs one, and speaks only the intent's slots
            assert (prompt_id is not None) == needed, (dialog_intent["name"], kind)
            if prompt_id is None:
                continue
            referenced.add(prompt_id)
            for variation in prompts[prompt_id]["variations"]:
                assert variation["type"] in ("PlainText", "SSML")
                assert set(SLOT_REFERENCE.findall(variation["value"])) <= set(slots)

    # And no prompt is left unused
    assert referenced == set(prompts)


def test_a_missing_booking_duration_is_asked_for_plainly(model: dict[str, Any], locale: str) -> None:
    prompts = {prompt["id"]: prompt["variations"][0]["value"] for prompt in model["prompts"]}
    expected = {"en-US": "For how long?", "ja-JP": "何分間予約しますか?"}[locale]
    assert prompts["Elicit.Slot.BookRoomIntent.duration"] == expected


def test_every_locale_has_the_same_dialog_model() -> None:
    # Given the models of every locale
    documents = [json.loads((MODELS / f"{loc}.json").read_text(encoding="utf-8")) for loc in LOCALES]

    # Then the dialog model (slots, confirmations, prompt ids) is the same everywhere; only the words differ
    dialogs = [json.dumps(doc["interactionModel"]["dialog"], sort_keys=True) for doc in documents]
    prompt_ids = [sorted(p["id"] for p in doc["interactionModel"]["prompts"]) for doc in documents]
    assert len(set(dialogs)) == 1
    assert all(ids == prompt_ids[0] for ids in prompt_ids)


def test_slot_samples_belong_to_intents_of_the_dialog_model(model: dict[str, Any]) -> None:
    in_dialog = {intent["name"] for intent in model["dialog"]["intents"]}
    with_slot_samples = {
        intent["name"]
        for intent in model["languageModel"]["intents"]
        if any(slot.get("samples") for slot in intent.get("slots", []))
    }
    assert with_slot_samples <= in_dialog
