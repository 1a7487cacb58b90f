"""Text-to-intent matching against an Alexa interaction model, for `office-skill chat` and tests.

Alexa turns speech into an intent with slots; locally we turn typed text into the same thing. Every sample
utterance of the model becomes a case-insensitive regular expression with one named group per `{slot}`;
the sample with the most literal words matched wins (the most specific one), then the one whose slots
were understood best. Captured text is converted the way Alexa converts it for the slot's type:

- AMAZON.DURATION: ISO 8601 durations ("an hour and a half" → PT1H30M, "90 minutes" → PT90M).
- AMAZON.DATE: ISO dates relative to `today`, with Alexa's future bias ("december first" after December
  first is next year's), weeks ("next week" → 2026-W49), weekends (2026-W48-WE), months (2026-12),
  "now" → PRESENT_REF. A weekday name is the nearest such day, today included; "next friday" skips today.
- AMAZON.TIME: "HH:MM" on a 24-hour clock, or MO/AF/EV/NI for parts of the day. A bare hour is sent as
  spoken, like Alexa does: "at three" → 03:00, "three pm" → 15:00; reading 03:00 as the afternoon is the
  skill's business.
- AMAZON.NUMBER and AMAZON.PhoneNumber: digits.
- Custom types: a value or synonym resolves to the canonical value and its id (ER_SUCCESS_MATCH); other
  words pass through as heard with no id (ER_SUCCESS_NO_MATCH).

Japanese models (an invocation name that is not ASCII, such as ja-JP's) are matched as character sequences:
Japanese is written without word spaces, so spaces are ignored in samples and text alike, and slots convert
Japanese numerals, times and durations (三十分 → PT30M, 一時間半 → PT1H30M, 午後三時 → 15:00, 明日 → a date).

Invocation phrases are stripped ("ask office assistant to ..."); "open office assistant" is a launch,
reported as `Match("LaunchRequest")`. Text that matches nothing is AMAZON.FallbackIntent. While the skill
elicits a slot (Dialog.ElicitSlot), pass `eliciting=(intent, slot)` so the slot's own samples
("for thirty minutes", "{duration}") are tried too, as Alexa does.
"""

from __future__ import annotations

import calendar
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

LAUNCH_REQUEST = "LaunchRequest"
FALLBACK_INTENT = "AMAZON.FallbackIntent"

# What Alexa understands for its built-in intents without any sample in the model.
BUILTIN_SAMPLES: Mapping[str, tuple[str, ...]] = {
    "AMAZON.HelpIntent": ("help", "help me", "help please", "what can i say", "i need help"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "nevermind", "forget it", "cancel that"),
    "AMAZON.StopIntent": ("stop", "shut up", "quit", "exit", "off", "be quiet", "goodbye", "bye"),
    "AMAZON.NavigateHomeIntent": ("go home", "home", "go to the home screen", "start over"),
    "AMAZON.YesIntent": (
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "please do",
        "go ahead",
        "correct",
        "that's right",
        "yes please",
        "do it",
    ),
    "AMAZON.NoIntent": ("no", "nope", "no thanks", "no thank you", "don't", "nah", "not now"),
}
JA_BUILTIN_SAMPLES: Mapping[str, tuple[str, ...]] = {
    "AMAZON.HelpIntent": ("ヘルプ", "助けて", "使い方", "どうすればいい"),
    "AMAZON.CancelIntent": ("キャンセル", "取り消し", "やっぱりいい", "なんでもない"),
    "AMAZON.StopIntent": ("ストップ", "止めて", "やめて", "終了", "終わり", "さようなら", "バイバイ"),
    "AMAZON.NavigateHomeIntent": ("ホーム", "ホームに戻って", "最初に戻って"),
    "AMAZON.YesIntent": ("はい", "うん", "ええ", "そう", "そうです", "お願いします", "お願い", "いいよ", "オーケー"),
    "AMAZON.NoIntent": ("いいえ", "いや", "ううん", "違います", "違う", "結構です", "いらない"),
}


@dataclass(frozen=True)
class SlotValue:
    """One slot as Alexa fills it.

    `value` is what the skill reads: the converted value of a built-in type, or the canonical value of a
    custom type (the spoken words when they resolve to nothing). `raw` is the text heard. `resolved_id` is
    the custom value's id on an entity-resolution match. `slot_type` tells envelopes which slots carry
    entity resolutions.
    """

    value: str | None
    raw: str | None = None
    resolved_id: str | None = None
    slot_type: str | None = None

    @property
    def is_custom(self) -> bool:
        return self.slot_type is not None and not self.slot_type.startswith("AMAZON.")


@dataclass(frozen=True)
class Match:
    """An intent with every slot the model declares for it (unfilled slots have value None)."""

    intent: str
    slots: dict[str, SlotValue] = field(default_factory=dict)


# --- numbers ----------------------------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "oh": 0, "o": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}  # fmt: skip
_SCALES = {"thousand": 1_000, "million": 1_000_000}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}  # fmt: skip


def words_to_number(text: str) -> int | None:
    """ "twenty five" → 25, "a hundred and five" → 105, "42" → 42; None when the text is not a number."""
    tokens = [t for t in text.lower().replace("-", " ").replace(",", "").split() if t != "and"]
    if not tokens:
        return None
    total = current = 0
    for i, word in enumerate(tokens):
        if word.isdigit():
            current += int(word)
        elif word in ("a", "an") and (len(tokens) == 1 or (i == 0 and tokens[1] in ("hundred", *_SCALES))):
            current += 1
        elif word in _UNITS and word not in ("oh", "o"):
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALES:
            total += max(current, 1) * _SCALES[word]
            current = 0
        else:
            return None
    return total + current


def _amount(text: str) -> float | None:
    """A quantity in a duration: "1.5", "two", "a couple of", "one and a half"."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if text in ("a couple of", "a couple", "couple of"):
        return 2.0
    if m := re.fullmatch(r"(.+?) and a half", text):
        whole = words_to_number(m.group(1))
        return None if whole is None else whole + 0.5
    number = words_to_number(text)
    return None if number is None else float(number)


def _ordinal(text: str) -> int | None:
    """ "first" → 1, "twenty third" → 23, "1st" → 1, "3" → 3."""
    text = text.strip().replace("-", " ")
    if m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", text):
        return int(m.group(1))
    parts = text.split()
    if len(parts) == 1:
        return _ORDINALS.get(parts[0]) or (words_to_number(parts[0]) if parts[0] not in _ORDINALS else None)
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _ORDINALS and _ORDINALS[parts[1]] < 10:
        return _TENS[parts[0]] + _ORDINALS[parts[1]]
    return words_to_number(text)


# --- AMAZON.DURATION --------------------------------------------------------------------------------------

_DURATION_UNITS = {
    "week": "W", "weeks": "W", "day": "D", "days": "D", "hour": "H", "hours": "H", "hr": "H", "hrs": "H",
    "minute": "M", "minutes": "M", "min": "M", "mins": "M", "second": "S", "seconds": "S", "sec": "S",
    "secs": "S",
}  # fmt: skip
# Each unit's fraction carries into the next smaller one: 1.5 hours → 1 hour 30 minutes.
_CARRY = {"W": ("D", 7), "D": ("H", 24), "H": ("M", 60), "M": ("S", 60)}
_DURATION_PART = re.compile(
    r"(?P<amount>.+?)\s+(?P<unit>" + "|".join(sorted(_DURATION_UNITS, key=len, reverse=True)) + r")"
    r"(?P<half>\s+and\s+a\s+half)?(?:\s+and\s+|\s+|$)"
)


def to_duration(text: str) -> str | None:
    """Spoken duration → ISO 8601 as Alexa sends it: "half an hour" → PT30M, "90 minutes" → PT90M."""
    text = re.sub(r"^(?:for|about|around|just|another)\s+", "", text.lower().strip())
    text = re.sub(r"\b(?:an?\s+)?half\s+(?:an\s+|a\s+)?(hour|day|minute)\b", r"0.5 \1", text)
    text = re.sub(r"\b(?:an?\s+)?quarter\s+(?:of\s+)?(?:an\s+)?hour\b", "0.25 hour", text)
    amounts: dict[str, float] = {}
    position = 0
    for m in _DURATION_PART.finditer(text):
        if m.start() != position:
            return None
        amount = _amount(m.group("amount"))
        if amount is None:
            return None
        unit = _DURATION_UNITS[m.group("unit")]
        amounts[unit] = amounts.get(unit, 0) + amount + (0.5 if m.group("half") else 0)
        position = m.end()
    if not amounts or position != len(text):
        return None
    for unit in ("W", "D", "H", "M"):
        fraction = amounts.get(unit, 0) % 1
        if fraction:
            smaller, factor = _CARRY[unit]
            amounts[unit] -= fraction
            amounts[smaller] = amounts.get(smaller, 0) + fraction * factor
    whole = {unit: round(amount) for unit, amount in amounts.items() if round(amount)}
    if not whole:
        return None
    date_part = "".join(f"{whole[u]}{u}" for u in ("W", "D") if u in whole)
    time_part = "".join(f"{whole[u]}{u}" for u in ("H", "M", "S") if u in whole)
    return "P" + date_part + ("T" + time_part if time_part else "")


# --- AMAZON.DATE ------------------------------------------------------------------------------------------

_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
}


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _future_date(today: date, month: int, day: int, year: int | None) -> date | None:
    try:
        candidate = date(year or today.year, month, day)
        if year is None and candidate < today:
            candidate = date(today.year + 1, month, day)
    except ValueError:
        return None
    return candidate


def to_date(text: str, today: date) -> str | None:
    """Spoken date → what Alexa sends: 2026-12-01, 2026-W49, 2026-W48-WE, 2026-12 or PRESENT_REF."""
    text = re.sub(r"^(?:on|for|by)\s+", "", text.lower().strip())
    text = re.sub(r"^the\s+(?!day after|weekend)", "", text)
    relative = {"today": 0, "tomorrow": 1, "the day after tomorrow": 2, "day after tomorrow": 2, "yesterday": -1}
    if text in relative:
        return (today + timedelta(days=relative[text])).isoformat()
    if text in ("now", "right now"):
        return "PRESENT_REF"
    if m := re.fullmatch(r"(this |next |coming )?(\w+)", text):
        qualifier, word = (m.group(1) or "").strip(), m.group(2)
        if word in _WEEKDAYS:
            ahead = (_WEEKDAYS[word] - today.weekday()) % 7
            if qualifier == "next" and ahead == 0:
                ahead = 7
            return (today + timedelta(days=ahead)).isoformat()
        offset = {"": 0, "this": 0, "coming": 1, "next": 1}[qualifier]
        if word == "week":
            return _iso_week(today + timedelta(weeks=offset))
        if word == "weekend":
            return _iso_week(today + timedelta(weeks=offset)) + "-WE"
        if word == "month":
            first = date(today.year + (today.month + offset - 1) // 12, (today.month + offset - 1) % 12 + 1, 1)
            return f"{first.year}-{first.month:02d}"
        if word in _MONTHS and not qualifier:
            month = _MONTHS[word]
            year = today.year + (1 if month < today.month else 0)
            return f"{year}-{month:02d}"
    if text in ("the weekend", "weekend"):
        return _iso_week(today) + "-WE"
    if m := re.fullmatch(r"in (.+?) days?", text):
        days = words_to_number(m.group(1))
        return None if days is None else (today + timedelta(days=days)).isoformat()
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            return None
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?", text):
        given_year = int(m.group(3)) + (2000 if len(m.group(3)) == 2 else 0) if m.group(3) else None
        found = _future_date(today, int(m.group(1)), int(m.group(2)), given_year)
        return found.isoformat() if found else None
    month_first = re.fullmatch(r"([a-z]+)\s+(?:the\s+)?(.+?)(?:,?\s+(\d{4}))?", text)
    day_first = re.fullmatch(r"(?:the\s+)?(.+?)\s+of\s+([a-z]+)(?:,?\s+(\d{4}))?", text)
    for m, month_group, day_group in ((month_first, 1, 2), (day_first, 2, 1)):
        if m and m.group(month_group) in _MONTHS:
            day = _ordinal(m.group(day_group))
            if day is None:
                continue
            given_year = int(m.group(3)) if m.group(3) else None
            found = _future_date(today, _MONTHS[m.group(month_group)], day, given_year)
            return found.isoformat() if found else None
    return None


# --- AMAZON.TIME ------------------------------------------------------------------------------------------

_PARTS_OF_DAY = {
    "morning": "MO", "this morning": "MO", "in the morning": "MO", "afternoon": "AF", "this afternoon": "AF",
    "in the afternoon": "AF", "evening": "EV", "this evening": "EV", "in the evening": "EV", "night": "NI",
    "tonight": "NI", "at night": "NI",
}  # fmt: skip
_MERIDIEM_SUFFIX = re.compile(r"\s*\b(am|pm|a m|p m|in the morning|in the afternoon|in the evening|at night)$")


def _hour_minute(text: str) -> tuple[int, int] | None:
    text = re.sub(r"\s*o'?\s?clock$", "", text).strip()
    if m := re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", text):
        return int(m.group(1)), int(m.group(2) or 0)
    if m := re.fullmatch(r"(\d{1,2})\s+(\d{2})", text):
        return int(m.group(1)), int(m.group(2))
    if m := re.fullmatch(r"(half|quarter|.+? minutes?|[\w\s]+?) (past|after|to|before) (.+)", text):
        hour = words_to_number(m.group(3))
        minutes_text = re.sub(r"\s*minutes?$", "", m.group(1))
        minutes = {"half": 30, "quarter": 15}.get(minutes_text, words_to_number(minutes_text) or -1)
        if hour is None or not 0 < minutes < 60:
            return None
        return (hour, minutes) if m.group(2) in ("past", "after") else ((hour - 1) % 24, 60 - minutes)
    tokens = text.split()
    if not tokens:
        return None
    split = 2 if len(tokens) > 1 and tokens[0] == "twenty" and tokens[1] in ("one", "two", "three") else 1
    hour = words_to_number(" ".join(tokens[:split]))
    rest = tokens[split:]
    if hour is None:
        return None
    if not rest or rest == ["hundred"]:
        return hour, 0
    if rest[0] in ("oh", "o") and len(rest) == 2 and rest[1] in _UNITS:
        return hour, _UNITS[rest[1]]
    minute = words_to_number(" ".join(rest))
    return None if minute is None else (hour, minute)


def to_time(text: str) -> str | None:
    """Spoken time → what Alexa sends: "three thirty pm" → 15:30, "noon" → 12:00, "evening" → EV."""
    text = re.sub(r"^(?:at|around|about|from|by|starting at)\s+", "", normalise(text).lower())
    if text in _PARTS_OF_DAY:
        return _PARTS_OF_DAY[text]
    named = {"noon": (12, 0), "midday": (12, 0), "twelve noon": (12, 0), "midnight": (0, 0)}
    meridiem = None
    if m := _MERIDIEM_SUFFIX.search(text):
        suffix = m.group(1).replace(" ", "")
        meridiem = "am" if suffix in ("am", "inthemorning") else "pm"
        text = text[: m.start()].strip()
    parsed = named.get(text) or _hour_minute(text)
    if parsed is None:
        return None
    hour, minute = parsed
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return f"{hour:02d}:{minute:02d}"


# --- AMAZON.NUMBER and AMAZON.PhoneNumber -----------------------------------------------------------------


def to_number(text: str) -> str | None:
    number = words_to_number(re.sub(r"\s+people$|\s+persons?$", "", text.strip()))
    return None if number is None else str(number)


def to_phone_number(text: str) -> str | None:
    """Spoken or typed phone number → the digit string Alexa sends: "five five five oh one" → 55501."""
    tokens = re.sub(r"[()+]", " ", text.lower()).replace("-", " ").replace(".", " ").split()
    digits: list[str] = []
    repeat = 1
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if word in ("double", "triple"):
            repeat = 2 if word == "double" else 3
            i += 1
            continue
        if word.isdigit():
            piece = word
        elif word in _UNITS:
            piece = str(_UNITS[word])
        elif word in _TENS:
            piece = str(_TENS[word])
            if i + 1 < len(tokens) and tokens[i + 1] in _UNITS and 0 < _UNITS[tokens[i + 1]] < 10:
                piece = str(_TENS[word] + _UNITS[tokens[i + 1]])
                i += 1
        elif word == "hundred" and digits:
            piece = "00"
        elif word == "thousand" and digits:
            piece = "000"
        elif word == "plus" and not digits:
            piece = ""
        else:
            return None
        digits.append(piece * repeat)
        repeat = 1
        i += 1
    number = "".join(digits)
    return number if len(number) >= 3 else None


# --- Japanese ---------------------------------------------------------------------------------------------

_JA_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_JA_SCALES = {"十": 10, "百": 100, "千": 1000}
_JA_NUMBER = "[0-9〇零一二三四五六七八九十百千]+"


def ja_number(text: str) -> int | None:
    """ "三十" → 30, "二十五" → 25, "百二十" → 120, "15" → 15, "一二三" → 123; None when not a number."""
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    total = current = 0
    for char in text:
        if char.isdigit() or char in _JA_DIGITS:
            current = current * 10 + (int(char) if char.isdigit() else _JA_DIGITS[char])
        elif char in _JA_SCALES:
            total += (current or 1) * _JA_SCALES[char]
            current = 0
        else:
            return None
    return total + current


_JA_DURATION = re.compile(
    rf"(?:(?P<weeks>{_JA_NUMBER})週間)?(?:(?P<days>{_JA_NUMBER})日間?)?"
    rf"(?:(?P<hours>{_JA_NUMBER})時間(?P<half>半)?)?(?:(?P<minutes>{_JA_NUMBER})分)?間?"
)


def to_duration_ja(text: str) -> str | None:
    """ "三十分" → PT30M, "一時間半" → PT1H30M, "1時間15分" → PT1H15M, "二日間" → P2D."""
    text = re.sub(r"^(?:あと|もう|約|だいたい)|(?:ほど|くらい|ぐらい|程度)$", "", unicodedata.normalize("NFKC", text))
    found = _JA_DURATION.fullmatch(text)
    if not found or not any(found.group(unit) for unit in ("weeks", "days", "hours", "minutes")):
        return None
    amounts = {
        unit: ja_number(found.group(unit)) if found.group(unit) else 0 for unit in ("weeks", "days", "hours", "minutes")
    }
    if any(amount is None for amount in amounts.values()):
        return None
    minutes = (amounts["minutes"] or 0) + (30 if found.group("half") else 0)
    date_part = "".join(f"{amounts[u]}{code}" for u, code in (("weeks", "W"), ("days", "D")) if amounts[u])
    time_part = (f"{amounts['hours']}H" if amounts["hours"] else "") + (f"{minutes}M" if minutes else "")
    return "P" + date_part + ("T" + time_part if time_part else "") if date_part or time_part else None


_JA_WEEKDAYS = {"月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6}
_JA_RELATIVE_DAYS = {
    "今日": 0, "きょう": 0, "本日": 0, "明日": 1, "あした": 1, "あす": 1, "明後日": 2, "あさって": 2, "昨日": -1,
    "きのう": -1,
}  # fmt: skip


def to_date_ja(text: str, today: date) -> str | None:
    """ "明日" → tomorrow's date, "来週" → 2026-W49, "金曜日" → the nearest Friday, "12月1日" → 2026-12-01."""
    text = re.sub(r"(?:に|は|の|で)$", "", unicodedata.normalize("NFKC", text).strip())
    if text in _JA_RELATIVE_DAYS:
        return (today + timedelta(days=_JA_RELATIVE_DAYS[text])).isoformat()
    if text in ("今", "いま", "今すぐ"):
        return "PRESENT_REF"
    weeks = {"今週": 0, "来週": 1, "再来週": 2}
    if text in weeks:
        return _iso_week(today + timedelta(weeks=weeks[text]))
    if text in ("週末", "今週末", "来週末"):
        return _iso_week(today + timedelta(weeks=1 if text == "来週末" else 0)) + "-WE"
    if text in ("今月", "来月"):
        month = today.month + (text == "来月")
        return f"{today.year + (month - 1) // 12}-{(month - 1) % 12 + 1:02d}"
    if m := re.fullmatch(r"(今週|来週)?の?([月火水木金土日])曜日?", text):
        ahead = (_JA_WEEKDAYS[m.group(2)] - today.weekday()) % 7
        if m.group(1) == "来週":
            ahead = _JA_WEEKDAYS[m.group(2)] - today.weekday() + 7
        return (today + timedelta(days=ahead)).isoformat()
    if m := re.fullmatch(rf"(?:({_JA_NUMBER})年)?(?:({_JA_NUMBER})月)?({_JA_NUMBER})日", text):
        given_year, given_month, given_day = (ja_number(group) if group else None for group in m.groups())
        if given_day is None:
            return None
        if given_month is None:
            next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
            found = _future_date(today, today.month, given_day, today.year)
            if found is None or found < today:
                found = _future_date(today, next_month.month, given_day, next_month.year)
        else:
            found = _future_date(today, given_month, given_day, given_year)
        return found.isoformat() if found else None
    return None


_JA_PARTS_OF_DAY = {
    "朝": "MO",
    "午前中": "MO",
    "今朝": "MO",
    "午後": "AF",
    "昼過ぎ": "AF",
    "夕方": "EV",
    "夜": "NI",
    "今夜": "NI",
}


def to_time_ja(text: str) -> str | None:
    """ "午後三時" → 15:00, "十時半" → 10:30, "三時" → 03:00 (as spoken, like Alexa), "正午" → 12:00."""
    text = re.sub(r"(?:ごろ|頃|くらい|ぐらい|ちょうど)$", "", unicodedata.normalize("NFKC", text).strip())
    if text in _JA_PARTS_OF_DAY:
        return _JA_PARTS_OF_DAY[text]
    if text in ("正午", "お昼", "昼の十二時"):
        return "12:00"
    if m := re.fullmatch(r"(\d{1,2}):(\d{2})", text):
        half_of_day, said_hour, said_minute = None, ja_number(m.group(1)), ja_number(m.group(2))
    elif m := re.fullmatch(rf"(午前|午後|朝|夜|夕方)?({_JA_NUMBER})時(?:(半)|({_JA_NUMBER})分)?", text):
        half_of_day, said_hour = m.group(1), ja_number(m.group(2))
        said_minute = 30 if m.group(3) else ja_number(m.group(4)) if m.group(4) else 0
    else:
        return None
    if said_hour is None or said_minute is None:
        return None
    hour, minute = said_hour, said_minute
    if half_of_day in ("午後", "夜", "夕方") and hour < 12:
        hour += 12
    elif half_of_day in ("午前", "朝") and hour == 12:
        hour = 0
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else None


def to_number_ja(text: str) -> str | None:
    number = ja_number(re.sub(r"(?:人|名|名様|人数)$", "", text.strip()))
    return None if number is None else str(number)


def to_phone_number_ja(text: str) -> str | None:
    """ "〇三 一二三四 五六七八" or "03-1234-5678" → 0312345678."""
    text = unicodedata.normalize("NFKC", text).replace("ゼロ", "0").replace("番", "")
    digits = "".join(str(_JA_DIGITS[c]) if c in _JA_DIGITS else c for c in re.sub(r"[\s()+.-]", "", text))
    return digits if digits.isdigit() and len(digits) >= 3 else None


# --- the model --------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Punctuation to spaces (except inside numbers, times, dates and words), whitespace collapsed."""
    text = text.replace("\u2019", "'").replace("_", " ")
    text = re.sub(r"\b([ap])\.m\.?", r"\1m", text, flags=re.IGNORECASE)
    text = re.sub(r"[^\w\s':/.+-]", " ", text)
    text = re.sub(r"(?<!\d)[:/.-]|[:/.-](?!\d)", " ", text)
    text = re.sub(r"\+(?!\d)", " ", text)
    text = re.sub(r"(?<!\w)'|'(?!\w)", " ", text)
    return " ".join(text.split())


def _phrase_pattern(phrase: str) -> str:
    return r"\s+".join(re.escape(word) for word in phrase.split(" "))


@dataclass(frozen=True)
class _CustomType:
    by_phrase: Mapping[str, tuple[str, str]]  # lower-case value or synonym → (value, id)

    def resolve(self, text: str) -> tuple[str, str] | None:
        key = text.lower()
        return self.by_phrase.get(key) or self.by_phrase.get(re.sub(r"^(?:the|my|a|an)\s+", "", key))


@dataclass(frozen=True)
class _Sample:
    intent: str
    text: str
    sources: tuple[str, ...]  # regular expressions: lazy then greedy slot captures
    literal_words: int
    elicits: tuple[str, str] | None = None  # (intent, slot) for a slot-filling sample
    literals: tuple[str, ...] = ()  # its text between slots, as compared: all must be in what was said

    @cached_property
    def patterns(self) -> tuple[re.Pattern[str], ...]:
        """Compiled on first use: a model has thousands of samples and most never come close to a text."""
        return tuple(re.compile(source, re.IGNORECASE) for source in self.sources)


_SLOT_PLACEHOLDER = re.compile(r"(\{\w+\})")

_NUMBER_WORDS = {*_UNITS, *_TENS, *_SCALES, "hundred", "a", "an", "and"}
_DIGITS = r"\d[\d:/.,-]*(?:st|nd|rd|th)?"
# Words a built-in slot can be made of; they let the regex engine split "{visitorName} {date}" right.
_BUILTIN_VOCABULARY: Mapping[str, frozenset[str]] = {
    "AMAZON.DURATION": frozenset(
        {*_NUMBER_WORDS, *_DURATION_UNITS, "half", "quarter", "of", "couple", "for", "about", "around",
         "just", "another"}
    ),
    "AMAZON.DATE": frozenset(
        {*_NUMBER_WORDS, *_ORDINALS, *_WEEKDAYS, *_MONTHS, "on", "for", "by", "the", "this", "next", "coming",
         "day", "days", "after", "in", "of", "today", "tomorrow", "yesterday", "now", "right", "week",
         "weekend", "month"}
    ),
    "AMAZON.TIME": frozenset(
        {*_NUMBER_WORDS, *" ".join(_PARTS_OF_DAY).split(), "at", "around", "about", "from", "by", "starting",
         "am", "pm", "noon", "midday", "midnight", "half", "quarter", "past", "after", "to", "before",
         "minutes", "minute", "o'clock", "oclock", "clock", "p", "m"}
    ),
    "AMAZON.NUMBER": frozenset({*_NUMBER_WORDS, "people", "persons", "person"}),
    "AMAZON.PhoneNumber": frozenset({*_NUMBER_WORDS, "double", "triple", "plus", "+"}),
}  # fmt: skip


def _slot_pattern(words: frozenset[str], lazy: bool) -> str:
    word = "(?:" + "|".join([_DIGITS, *(re.escape(w) for w in sorted(words, key=len, reverse=True))]) + ")"
    return rf"{word}(?:\s+{word})*{'?' if lazy else ''}"


class Model:
    """An interaction model compiled for matching."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        language = document["interactionModel"]["languageModel"]
        self.invocation_name: str = language["invocationName"]
        # Japanese (any invocation name that is not ASCII) is matched as characters, spaces ignored.
        self.compact = not self.invocation_name.isascii()
        self._types: dict[str, _CustomType] = {}
        for slot_type in language.get("types", []):
            by_phrase: dict[str, tuple[str, str]] = {}
            for entry in slot_type["values"]:
                value = entry["name"]["value"]
                resolved = (value, entry.get("id") or value)
                for phrase in (value, *entry["name"].get("synonyms", [])):
                    by_phrase.setdefault(self._key(phrase), resolved)
            self._types[slot_type["name"]] = _CustomType(by_phrase)
        self._slot_types: dict[str, dict[str, str]] = {}
        samples: list[_Sample] = []
        for intent in language["intents"]:
            name = intent["name"]
            slot_types = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
            self._slot_types[name] = slot_types
            builtins = JA_BUILTIN_SAMPLES if self.compact else BUILTIN_SAMPLES
            for text in (*intent.get("samples", []), *builtins.get(name, ())):
                samples.append(self._compile(name, text, slot_types, None))
            for slot in intent.get("slots", []):
                for text in slot.get("samples", []):
                    samples.append(self._compile(name, text, slot_types, (name, slot["name"])))
        self._samples = tuple(samples)
        if self.compact:
            invocation = re.escape(self._key(self.invocation_name))
            self._launch = re.compile(rf"{invocation}(?:を|で)?(?:開いて|起動して|開く|起動|スタート)?(?:ください)?")
            self._invoke = re.compile(rf"{invocation}(?:で|に|を使って)(?P<rest>.+)")
            self._invoke_suffix = re.compile(rf"(?P<rest>.+?)(?:って|と)?{invocation}に(?:聞いて|頼んで|伝えて)")
            return
        invocation = _phrase_pattern(self.invocation_name)
        self._launch = re.compile(
            rf"(?:(?:open|launch|start|begin|run|load|ask|talk to)\s+)?{invocation}(?:\s+please)?", re.I
        )
        self._invoke = re.compile(
            rf"(?:(?:ask|tell|use|have)\s+{invocation}(?:\s+(?:to|for|about|that))?"
            rf"|(?:open|launch|start)\s+{invocation}\s+and)\s+(?P<rest>.+)",
            re.I,
        )
        self._invoke_suffix = re.compile(rf"(?P<rest>.+?)\s+(?:with|using|on|from)\s+{invocation}", re.I)

    def _key(self, phrase: str) -> str:
        """How a phrase is compared: lower case, and without spaces in Japanese."""
        return "".join(phrase.lower().split()) if self.compact else phrase.lower()

    @property
    def intents(self) -> set[str]:
        return set(self._slot_types)

    def intent_slots(self, intent: str) -> dict[str, str]:
        """Slot name → slot type for one intent of the model."""
        return dict(self._slot_types.get(intent, {}))

    def _compile(
        self, intent: str, text: str, slot_types: Mapping[str, str], elicits: tuple[str, str] | None
    ) -> _Sample:
        if self.compact:
            return self._compile_compact(intent, text, slot_types, elicits)
        variants: list[str] = []
        for lazy in (True, False):
            pattern = ""
            for piece in _SLOT_PLACEHOLDER.split(text):
                if slot := re.fullmatch(r"\{(\w+)\}", piece):
                    name, slot_type = slot.group(1), slot_types[slot.group(1)]
                    custom = self._types.get(slot_type)
                    known = sorted(custom.by_phrase, key=len, reverse=True) if custom else []
                    anything = ".+?" if lazy else ".+"
                    if slot_type in _BUILTIN_VOCABULARY:
                        anything = _slot_pattern(_BUILTIN_VOCABULARY[slot_type], lazy)
                    alternatives = [_phrase_pattern(phrase) for phrase in known] + [anything]
                    pattern += f"(?P<{name}>{'|'.join(alternatives)})"
                elif piece.isspace():
                    pattern += r"\s+"
                elif piece:
                    lead = r"\s+" if piece[0].isspace() else ""
                    trail = r"\s+" if piece[-1].isspace() else ""
                    pattern += lead + _phrase_pattern(" ".join(piece.lower().split())) + trail
            variants.append(pattern)
        literal = _SLOT_PLACEHOLDER.sub(" ", text)
        literals = tuple(
            " ".join(piece.lower().split()) for piece in _SLOT_PLACEHOLDER.split(text)[::2] if piece.strip()
        )
        return _Sample(intent, text, tuple(variants), len(re.findall(r"[\w']+", literal)), elicits, literals)

    def _compile_compact(
        self, intent: str, text: str, slot_types: Mapping[str, str], elicits: tuple[str, str] | None
    ) -> _Sample:
        """A Japanese sample: characters without spaces; the more literal characters, the more specific."""
        variants: list[str] = []
        for lazy in (True, False):
            pattern = ""
            for piece in _SLOT_PLACEHOLDER.split(text):
                if slot := re.fullmatch(r"\{(\w+)\}", piece):
                    custom = self._types.get(slot_types[slot.group(1)])
                    known = sorted(custom.by_phrase, key=len, reverse=True) if custom else []
                    alternatives = [re.escape(phrase) for phrase in known] + [".+?" if lazy else ".+"]
                    pattern += f"(?P<{slot.group(1)}>{'|'.join(alternatives)})"
                else:
                    pattern += re.escape(self._key(piece))
            variants.append(pattern)
        literal = self._key(_SLOT_PLACEHOLDER.sub("", text))
        literals = tuple(self._key(piece) for piece in _SLOT_PLACEHOLDER.split(text)[::2] if piece.strip())
        return _Sample(intent, text, tuple(variants), len(literal), elicits, literals)

    def _convert(self, slot_type: str, text: str, today: date) -> tuple[SlotValue, bool] | None:
        """The slot as Alexa fills it, and whether the text was understood; None when it cannot be."""
        converters: dict[str, Callable[[str], str | None]] = (
            {
                "AMAZON.DURATION": to_duration_ja,
                "AMAZON.DATE": lambda t: to_date_ja(t, today),
                "AMAZON.TIME": to_time_ja,
                "AMAZON.NUMBER": to_number_ja,
                "AMAZON.PhoneNumber": to_phone_number_ja,
            }
            if self.compact
            else {
                "AMAZON.DURATION": to_duration,
                "AMAZON.DATE": lambda t: to_date(t, today),
                "AMAZON.TIME": to_time,
                "AMAZON.NUMBER": to_number,
                "AMAZON.PhoneNumber": to_phone_number,
            }
        )
        if slot_type in converters:
            value = converters[slot_type](text)
            return None if value is None else (SlotValue(value, text, None, slot_type), True)
        custom = self._types.get(slot_type)
        resolved = custom.resolve(text) if custom else None
        if resolved:
            return SlotValue(resolved[0], text, resolved[1], slot_type), True
        return SlotValue(text, text, None, slot_type), False

    def match(self, text: str, *, today: date | None = None, eliciting: tuple[str, str] | None = None) -> Match:
        """The intent and slots Alexa would send for `text` (`today` defaults to the local clock)."""
        today = today or date.today()
        spoken = normalise(text)
        spoken = re.sub(r"^(?:alexa|echo|computer)\s+", "", spoken, flags=re.IGNORECASE)
        if self.compact:
            spoken = re.sub(r"^(?:アレクサ|alexa)", "", self._key(spoken))
        if not spoken or self._launch.fullmatch(spoken):
            return Match(LAUNCH_REQUEST, {})
        if invoked := self._invoke.fullmatch(spoken) or self._invoke_suffix.fullmatch(spoken):
            spoken = invoked.group("rest")
        best: tuple[tuple[int, int, int, int], Match] | None = None
        said = spoken.lower()
        for sample in self._samples:
            if sample.elicits is not None and sample.elicits != eliciting:
                continue
            if not all(literal in said for literal in sample.literals):
                continue
            for pattern in sample.patterns:
                found = pattern.fullmatch(spoken)
                if not found:
                    continue
                candidate = self._candidate(sample, found.groupdict(), today)
                if candidate is None:
                    continue
                understood, unclear_chars, match = candidate
                score = (sample.literal_words, sample.elicits is not None, understood, -unclear_chars)
                if best is None or score > best[0]:
                    best = (score, match)
        return best[1] if best else Match(FALLBACK_INTENT, {})

    def _candidate(self, sample: _Sample, captured: Mapping[str, str], today: date) -> tuple[int, int, Match] | None:
        slot_types = self._slot_types[sample.intent]
        slots = {name: SlotValue(None, None, None, slot_type) for name, slot_type in slot_types.items()}
        understood = unclear_chars = 0
        for name, text in captured.items():
            converted = self._convert(slot_types[name], text, today)
            if converted is None:
                return None
            slots[name], ok = converted
            understood += ok
            unclear_chars += 0 if ok else len(text)
        return understood, unclear_chars, Match(sample.intent, slots)


def load_model(path: str | Path) -> Model:
    """Read and compile an interaction model file (interaction_models/custom/<locale>.json)."""
    return Model(json.loads(Path(path).read_text(encoding="utf-8")))


def model_intents(path: str | Path) -> set[str]:
    """Every intent name the interaction model at `path` declares."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    return {intent["name"] for intent in document["interactionModel"]["languageModel"]["intents"]}
