"""The console: typed text is matched against the interaction model into an intent with slots, sent to
the skill endpoint as a real request envelope, and the speech is printed."""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skill.config import LOCAL_SKILL_ID

MODELS = Path(__file__).resolve().parents[2] / "interaction_models" / "custom"
_TAG = re.compile(r"<[^>]+>")


def plain(ssml: str) -> str:
    """Speech without SSML tags, as a listener would hear the words."""
    return re.sub(r"\s+", " ", _TAG.sub("", ssml)).strip()


@dataclass
class Conversation:
    """One device talking to the endpoint; keeps the session like Alexa does."""

    endpoint: str
    device_id: str
    user_id: str | None
    person_id: str | None = None
    locale: str = "en-US"
    application_id: str = LOCAL_SKILL_ID
    post: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None
    session_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    pending: DialogTurn | None = None

    def _common(self) -> dict[str, Any]:
        new = self.session_id is None
        if new:
            self.session_id = f"amzn1.echo-api.session.{uuid.uuid4()}"
        return {
            "application_id": self.application_id,
            "device_id": self.device_id,
            "user_id": self.user_id or "amzn1.ask.account.LOCAL",
            "person_id": self.person_id,
            "locale": self.locale,
            "session_attributes": dict(self.attributes),
            "new_session": new,
            "session_id": self.session_id,
        }

    def say(self, text: str) -> dict[str, Any]:
        """Match `text` like Alexa would, given what the skill asked for last, and send it."""
        from skill.local import envelopes
        from skill.local.nlu import load_model

        model = load_model(MODELS / f"{self.locale}.json")
        pending = self.pending
        eliciting = (pending.intent, pending.slot) if pending and pending.slot else None
        match = model.match(text, eliciting=eliciting)
        if match.intent == "LaunchRequest":
            return self.send(envelopes.launch_request(**self._common()))
        confirmation = "NONE"
        slots = match.slots
        intent = match.intent
        if pending is not None:
            if pending.slot is None and match.intent in ("AMAZON.YesIntent", "AMAZON.NoIntent"):
                intent, slots = pending.intent, pending.slots
                confirmation = "CONFIRMED" if match.intent == "AMAZON.YesIntent" else "DENIED"
            elif match.intent == pending.intent:
                slots = {**pending.slots, **{k: v for k, v in match.slots.items() if v.value is not None}}
        return self.send(envelopes.intent_request(intent, slots, confirmation=confirmation, **self._common()))

    def send(self, envelope: dict[str, Any]) -> dict[str, Any]:
        response = (self.post or _post_json)(self.endpoint, envelope)
        self.attributes = dict(response.get("sessionAttributes") or {})
        self.pending = _dialog_turn(envelope, response)
        if response.get("response", {}).get("shouldEndSession", True) and self.pending is None:
            self.session_id = None
            self.attributes = {}
        return response


@dataclass(frozen=True)
class DialogTurn:
    """What the skill asked for: a slot (ElicitSlot) or a yes/no (ConfirmIntent) about an intent."""

    intent: str
    slots: dict[str, Any]
    slot: str | None


def _dialog_turn(envelope: dict[str, Any], response: dict[str, Any]) -> DialogTurn | None:
    from skill.local.nlu import SlotValue

    sent_slots = envelope.get("request", {}).get("intent", {}).get("slots", {})
    for directive in response.get("response", {}).get("directives") or []:
        kind = directive.get("type")
        if kind not in ("Dialog.ElicitSlot", "Dialog.ConfirmIntent"):
            continue
        updated = directive.get("updatedIntent") or envelope.get("request", {}).get("intent") or {}
        slots = {}
        for name, slot in (updated.get("slots") or {}).items():
            heard = sent_slots.get(name, {})
            resolutions = heard.get("resolutions", {}).get("resolutionsPerAuthority") or [{}]
            values = resolutions[0].get("values") or [{}]
            resolved = values[0].get("value", {})
            value = resolved.get("name") or slot.get("value")
            slots[name] = SlotValue(value, slot.get("value"), resolved.get("id"), None)
        return DialogTurn(str(updated.get("name")), slots, directive.get("slotToElicit"))
    return None


def _post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - the endpoint is the local development server
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=15) as resp:  # noqa: S310
        answer: dict[str, Any] = json.loads(resp.read())
        return answer


def speech_of(response: dict[str, Any]) -> str:
    speech = response.get("response", {}).get("outputSpeech") or {}
    return plain(speech.get("ssml") or speech.get("text") or "")


def run_chat(
    *,
    endpoint: str,
    device_id: str,
    user_id: str | None,
    person_id: str | None,
    locale: str,
    say: str | None = None,
    hint: str | None = None,
) -> int:
    talk = Conversation(endpoint, device_id, user_id, person_id, locale)
    try:
        if say is not None:
            print(speech_of(talk.say(say)) or "(no speech)")
            return 0
        print(f"Talking as device {device_id} ({locale}). Type what you would say; an empty line or Ctrl-D quits.")
        if hint:
            print(hint)
        print("Try: 'is this room free', 'book this room for thirty minutes', 'help'.", flush=True)
        while True:
            try:
                text = input("you> ").strip()
            except EOFError:
                print()
                return 0
            if not text:
                return 0
            print("alexa>", speech_of(talk.say(text)) or "(no speech)")
    except (urllib.error.URLError, ConnectionError) as exc:
        print(f"office-skill chat: cannot reach {endpoint} ({exc}); is `office-skill serve` running?", file=sys.stderr)
        return 1
