"""What the skill says, per locale: a message catalog, not strings in handlers."""

from __future__ import annotations

from functools import cache
from html import escape

DEFAULT_LOCALE = "en-US"


@cache
def catalog() -> dict[str, dict[str, str]]:
    """The basics' and every capability's messages (skill/capabilities.py) merged per locale; loaded on first use."""
    from importlib import import_module

    from skill.capabilities import BASICS_CATALOG, CAPABILITIES

    merged: dict[str, dict[str, str]] = {}
    for name in (BASICS_CATALOG, *(capability.catalog for capability in CAPABILITIES)):
        module = import_module(name)
        for locale, messages in module.MESSAGES.items():
            merged.setdefault(locale, {}).update(messages)
    return merged


def message(locale: str | None, key: str, **values: object) -> str:
    """The message `key` in `locale` (falling back to en-US), with values escaped for SSML.

    Values that are already SSML must be passed wrapped in `Ssml`.
    """
    messages = catalog()
    table = messages.get(locale or DEFAULT_LOCALE) or messages[DEFAULT_LOCALE]
    template = table.get(key) or messages[DEFAULT_LOCALE][key]
    safe = {k: v if isinstance(v, Ssml) else escape(str(v), quote=False) for k, v in values.items()}
    return template.format(**safe)


class Ssml(str):
    """Text that is already valid SSML and must not be escaped again."""
