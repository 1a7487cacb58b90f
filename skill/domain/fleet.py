"""The fleet file: its schema, validation with path-named errors, and the entity <-> document mapping.

The same document form of each entity (a room's entry in the fleet file, say) is what the store keeps,
so `export` round-trips through `apply` and storage needs no second mapping.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from itertools import pairwise
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from skill.domain.dialing import is_region
from skill.domain.errors import FleetValidationError
from skill.domain.model import (
    CLOSED,
    DEFAULT_SITE,
    FEATURES,
    OPEN_DAYS,
    BookingRules,
    CallingPolicy,
    Contact,
    Device,
    DeviceKind,
    Fleet,
    Limits,
    NotifyTarget,
    OpenHours,
    Room,
    Site,
    SkillGroup,
    User,
    parse_hours,
)

if TYPE_CHECKING:
    from skill.domain.egress import EgressPolicy

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SINGLETON_ID = "site"  # the id the fleet's calling policy and limits are stored under
# The kinds of entity a fleet file declares, each after those it may refer to (a device to rooms and users).
ENTITY_KINDS = ("site", "calling", "limits", "group", "room", "user", "contact", "device")
PHONE_TYPES = ("mobile", "office", "home")
PHONE_TYPE_SYNONYMS = {"cell": "mobile", "cellphone": "mobile", "work": "office", "desk": "office"}
SHARED_MAY_CALL = ("employees", "contacts", "numbers")
CHANNELS = ("email", "sms", "webhook")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A name's reading: hiragana or katakana, the long-vowel mark, the middle dot and spaces.
READING_RE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fb\u30fc ]{1,100}")

T = TypeVar("T")


# ---------------------------------------------------------------- entity -> document


def _drop_empty(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if v not in (None, [], {}, ())}


def site_to_doc(site: Site) -> dict[str, Any]:
    return _drop_empty(
        {
            "id": site.id,
            "name": site.name,
            "timezone": site.timezone,
            "retention_days": site.retention_days,
            "country": site.country,
            "reception": site.reception,
            "end_of_day": site.end_of_day,
            "facilities": _targets_doc(site.facilities),
            "open_hours": {k: v if isinstance(v, str) else list(v) for k, v in site.open_hours.rules}
            if site.open_hours
            else None,
            "calling": calling_to_doc(site.calling) if site.calling else None,
        }
    )


def _targets_doc(targets: Sequence[NotifyTarget]) -> list[dict[str, str]]:
    return [{t.channel: t.address} for t in targets]


def room_to_doc(room: Room) -> dict[str, Any]:
    rules = room.booking
    booking = {
        "max_minutes": rules.max_minutes,
        "window_days": rules.window_days,
        "release_after_minutes": rules.release_after_minutes,
    }
    return _drop_empty(
        {
            "id": room.id,
            "name": room.name,
            "aliases": list(room.aliases),
            "floor": room.floor,
            "capacity": room.capacity,
            "features": list(room.features),
            "calendar": room.calendar,
            "phone": room.phone,
            "bookable": room.bookable,
            "booking": booking,
            "site": room.site,
        }
    )


def group_to_doc(group: SkillGroup) -> dict[str, Any]:
    return {"id": group.id, "features": list(group.features)}


def device_to_doc(device: Device) -> dict[str, Any]:
    return _drop_empty(
        {
            "id": device.id,
            "kind": device.kind.value,
            "room": device.room,
            "user": device.user,
            "skill_group": device.skill_group,
        }
    )


def _party_doc(party: User | Contact) -> dict[str, Any]:
    """What a user's and a contact's documents share: who it is, how the name is said, the phones."""
    return {
        "id": party.id,
        "name": party.name,
        "reading": party.reading,
        "aliases": list(party.aliases),
        "phones": dict(party.phones),
    }


def user_to_doc(user: User) -> dict[str, Any]:
    return _drop_empty(
        {
            **_party_doc(user),
            "email": user.email,
            "alexa_user_ids": list(user.alexa_user_ids),
            "alexa_person_ids": list(user.alexa_person_ids),
            "calendar": user.calendar,
            "delegate": user.delegate,
            "notify": _targets_doc(user.notify),
            "site": user.site,
        }
    )


def contact_to_doc(contact: Contact) -> dict[str, Any]:
    return _drop_empty(_party_doc(contact))


def calling_to_doc(policy: CallingPolicy) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "shared_may_call": list(policy.shared_may_call),
        "blocked_prefixes": list(policy.blocked_prefixes),
    }
    if policy.allowed_countries:
        doc["allowed_countries"] = list(policy.allowed_countries)
    return doc


def limits_to_doc(limits: Limits) -> dict[str, Any]:
    return {name: getattr(limits, name) for name in LIMIT_FIELDS}


def fleet_to_doc(fleet: Fleet) -> dict[str, Any]:
    """The fleet as a fleet-file document (what `office-admin export` prints): `sites` when it has several
    (or rooms naming theirs), `site` (without its id) when it has one."""
    if fleet.sites:
        sites: dict[str, Any] = {"sites": [site_to_doc(site) for site in fleet.sites]}
    else:
        sites = {"site": {k: v for k, v in site_to_doc(fleet.site).items() if k != "id"}}
    return {
        **sites,
        "rooms": [room_to_doc(r) for r in fleet.rooms],
        "skill_groups": [group_to_doc(g) for g in fleet.skill_groups],
        "devices": [device_to_doc(d) for d in fleet.devices],
        "users": [user_to_doc(u) for u in fleet.users],
        "contacts": [contact_to_doc(c) for c in fleet.contacts],
        "calling": calling_to_doc(fleet.calling),
        "limits": limits_to_doc(fleet.limits),
    }


# ---------------------------------------------------------------- document -> entity (validated)


@dataclass
class _Reader:
    """Reads one document, collecting every problem as `path: message` instead of stopping at the first."""

    country: str = "US"  # the country national phone numbers are read in, that of the entry being read
    egress: EgressPolicy | None = None  # None: the strict policy
    problems: list[str] = field(default_factory=list)
    site_countries: dict[str, str] = field(default_factory=dict)  # site id -> its country
    multi_site: bool = False  # the file lists `sites`

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(path, f"expected a mapping, got {_type_name(value)}")
            return {}
        return value

    def seq(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {_type_name(value)}")
            return []
        return value

    def unknown_keys(self, doc: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
        for k in doc:
            if k not in allowed:
                self.fail(f"{path}.{k}" if path else str(k), f"unknown field (expected one of: {', '.join(allowed)})")

    def string(self, doc: Mapping[str, Any], name: str, path: str, *, required: bool = False) -> str | None:
        value = doc.get(name)
        if value is None:
            if required:
                self.fail(f"{path}.{name}", "required")
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.fail(f"{path}.{name}", f"expected text, got {_type_name(value)}")
            return None
        text = str(value).strip()
        if required and not text:
            self.fail(f"{path}.{name}", "must not be empty")
            return None
        if len(text) > 500:
            self.fail(f"{path}.{name}", "too long (at most 500 characters)")
            return None
        return text or None

    def integer(
        self, doc: Mapping[str, Any], name: str, path: str, *, minimum: int = 0, maximum: int = 1_000_000
    ) -> int | None:
        value = doc.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{path}.{name}", f"expected a whole number, got {_type_name(value)}")
            return None
        if not minimum <= value <= maximum:
            self.fail(f"{path}.{name}", f"must be between {minimum} and {maximum}")
            return None
        return value

    def boolean(self, doc: Mapping[str, Any], name: str, path: str, default: bool) -> bool:
        value = doc.get(name, default)
        if not isinstance(value, bool):
            self.fail(f"{path}.{name}", f"expected true or false, got {_type_name(value)}")
            return default
        return value

    def strings(self, doc: Mapping[str, Any], name: str, path: str) -> tuple[str, ...]:
        out: list[str] = []
        for i, value in enumerate(self.seq(doc.get(name), f"{path}.{name}")):
            if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
                self.fail(f"{path}.{name}[{i}]", "expected non-empty text")
            else:
                out.append(str(value).strip())
        return tuple(out)

    def reading(self, doc: Mapping[str, Any], path: str) -> str | None:
        """The optional kana reading of a name, width-folded with single spaces."""
        value = self.string(doc, "reading", path)
        if value is None:
            return None
        reading = " ".join(unicodedata.normalize("NFKC", value).split())
        if not READING_RE.fullmatch(reading):
            self.fail(f"{path}.reading", f"expected the name as said, in hiragana or katakana, got {value!r}")
            return None
        return reading

    def ident(self, doc: Mapping[str, Any], path: str) -> str | None:
        value = self.string(doc, "id", path, required=True)
        if value is not None and not ID_RE.match(value):
            self.fail(f"{path}.id", f"invalid id {value!r}: use lowercase letters, digits and '-'")
            return None
        return value

    def timezone(self, value: str | None, path: str) -> str | None:
        if value is None:
            return None
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(path, f"unknown IANA time zone {value!r} (e.g. Asia/Tokyo)")
            return None
        return value

    def phone(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.fail(path, f"expected a phone number, got {_type_name(value)}")
            return None
        e164 = normalise_phone(str(value), self.country)
        if e164 is None:
            self.fail(path, f"invalid phone number {value!r} for country {self.country}")
        return e164

    def phones(self, doc: Mapping[str, Any], path: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for kind, value in self.mapping(doc.get("phones"), f"{path}.phones").items():
            canonical = PHONE_TYPE_SYNONYMS.get(str(kind), str(kind))
            if canonical not in PHONE_TYPES:
                self.fail(f"{path}.phones.{kind}", f"unknown phone type (expected one of: {', '.join(PHONE_TYPES)})")
                continue
            e164 = self.phone(value, f"{path}.phones.{kind}")
            if e164:
                out[canonical] = e164
        return out

    def url(self, value: str | None, path: str) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value)
        web = parsed.scheme in ("http", "https") and parsed.netloc
        if not web and parsed.scheme != "file" and (parsed.scheme or not value.startswith(("/", "./", "../"))):
            self.fail(path, f"not an http(s) URL or file path: {value!r}")
            return None
        return self.reachable(value, path, files=True)

    def reachable(self, url: str, path: str, *, files: bool = False) -> str | None:
        """`url` when the egress policy lets the backend reach it; a problem naming the field otherwise."""
        from skill.domain.egress import STRICT, url_refusal  # only where a fleet file is read, not per request

        refusal = url_refusal(url, self.egress or STRICT, files=files)
        if refusal is not None:
            self.fail(path, f"refused ({refusal}): {url!r}")
            return None
        return url

    def features(self, doc: Mapping[str, Any], path: str, allowed: Sequence[str] | None) -> tuple[str, ...]:
        values = self.strings(doc, "features", path)
        if allowed is not None:
            for i, value in enumerate(values):
                if value not in allowed:
                    self.fail(
                        f"{path}.features[{i}]", f"unknown feature {value!r} (expected one of: {', '.join(allowed)})"
                    )
            values = tuple(v for v in values if v in allowed)
        return values


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def normalise_phone(text: str, country: str) -> str | None:
    """E.164 for a number written in any common form, national numbers in `country`; None if invalid."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


SITE_FIELDS = (
    "name",
    "timezone",
    "retention_days",
    "country",
    "reception",
    "end_of_day",
    "facilities",
    "open_hours",
    "calling",
)
SITES_FIELDS = ("id", *SITE_FIELDS)
# Ids a site may not take: the earlier one-site layout's key and the published feeds' signing secret.
RESERVED_SITE_IDS = ("site", "feed-secret")
ROOM_FIELDS = (
    "id",
    "site",
    "name",
    "aliases",
    "floor",
    "capacity",
    "features",
    "calendar",
    "phone",
    "bookable",
    "booking",
)
BOOKING_FIELDS = ("max_minutes", "release_after_minutes", "window_days")
GROUP_FIELDS = ("id", "features")
DEVICE_FIELDS = ("id", "kind", "room", "user", "skill_group")
USER_FIELDS = (
    "id",
    "site",
    "name",
    "reading",
    "aliases",
    "email",
    "phones",
    "alexa_user_ids",
    "alexa_person_ids",
    "calendar",
    "delegate",
    "notify",
)
CONTACT_FIELDS = ("id", "name", "reading", "aliases", "phones")
CALLING_FIELDS = ("shared_may_call", "blocked_prefixes", "allowed_countries")
LIMIT_FIELDS = (
    "calls_per_device_per_hour",
    "checkins_per_device_per_hour",
    "notifications_per_host_per_hour",
    "bookings_per_user_per_day",
    "problems_per_device_per_hour",
)
TOP_FIELDS = ("site", "sites", "rooms", "skill_groups", "devices", "users", "contacts", "calling", "limits")


def _read_site(r: _Reader, doc: Mapping[str, Any], path: str, site_id: str | None = DEFAULT_SITE) -> Site | None:
    """One site: the one-site form's `site` (its id is `main`), or an entry of `sites` (`site_id` None: its
    own `id`, required)."""
    r.unknown_keys(doc, SITE_FIELDS if site_id else SITES_FIELDS, path)
    if site_id is None:
        site_id = r.ident(doc, path)
        if site_id in RESERVED_SITE_IDS:
            r.fail(f"{path}.id", f"{site_id!r} is reserved: choose another id")
            site_id = None
    country = (r.string(doc, "country", path) or "US").upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        r.fail(f"{path}.country", f"expected a two-letter country code, got {country!r}")
        country = "US"
    r.country = country
    end_of_day = r.string(doc, "end_of_day", path) or "20:00"
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", end_of_day):
        r.fail(f"{path}.end_of_day", f"expected HH:MM, got {end_of_day!r}")
        end_of_day = "20:00"
    calling = _read_calling(r, r.mapping(doc.get("calling"), f"{path}.calling"), f"{path}.calling")
    site = Site(
        id=site_id or "",
        name=r.string(doc, "name", path) or "Office",
        timezone=r.timezone(r.string(doc, "timezone", path), f"{path}.timezone") or "UTC",
        retention_days=r.integer(doc, "retention_days", path, minimum=1, maximum=3650) or 30,
        country=country,
        reception=r.string(doc, "reception", path),
        end_of_day=end_of_day,
        facilities=_read_notify(r, doc, path, "facilities"),
        open_hours=_read_open_hours(r, doc.get("open_hours"), f"{path}.open_hours"),
        calling=calling if "calling" in doc else None,
    )
    return site if site_id else None


def _read_open_hours(r: _Reader, value: Any, path: str) -> OpenHours | None:
    """`open_hours`: per key (daily, weekdays, weekend or a day's name) `HH:MM-HH:MM`, a list of such ranges,
    or `closed`; kept in their written order, each range written HH:MM-HH:MM."""
    if value is None:
        return None
    rules: list[tuple[str, str | tuple[str, ...]]] = []
    for key, spec in r.mapping(value, path).items():
        day_path = f"{path}.{key}"
        if key not in OPEN_DAYS:
            r.fail(day_path, f"unknown day (expected one of: {', '.join(OPEN_DAYS)})")
            continue
        ranges = _read_ranges(r, spec, day_path)
        if ranges is not None:
            rules.append((str(key), ranges[0] if len(ranges) == 1 else (ranges or CLOSED)))
    return OpenHours(tuple(rules))


def _read_ranges(r: _Reader, spec: Any, path: str) -> tuple[str, ...] | None:
    """The ranges one open_hours key gives, each as HH:MM-HH:MM (none for `closed`); None when invalid."""
    if isinstance(spec, str) and spec.strip().casefold() == CLOSED:
        return ()
    ranges: list[tuple[time, time]] = []
    for value in spec if isinstance(spec, list) else [spec]:
        hours = parse_hours(value) if isinstance(value, str) else None
        if hours is None:
            r.fail(path, f"expected HH:MM-HH:MM (e.g. 08:00-19:00), a list of them, or closed; got {value!r}")
            return None
        if hours[1] != time(0) and hours[1] <= hours[0]:
            r.fail(path, f"{value!r} ends before it starts")
            return None
        ranges.append(hours)
    ranges.sort()
    for (_, end), (start, _) in pairwise(ranges):
        if end == time(0) or start < end:
            r.fail(path, "its ranges overlap")
            return None
    return tuple(f"{start:%H:%M}-{'24:00' if end == time(0) else f'{end:%H:%M}'}" for start, end in ranges)


def _read_entry_site(r: _Reader, doc: Mapping[str, Any], path: str, *, required: bool) -> str | None:
    """The site an entry names (`required` for rooms when the file lists sites), setting the country its
    national phone numbers are read in; None in a fleet of one site (where only `main` may be named)."""
    site = r.string(doc, "site", path)
    known = r.site_countries
    if site is not None and site not in known:
        detail = (
            f" (one of: {', '.join(known)})"
            if r.multi_site
            else f" (a fleet written with site: has only {DEFAULT_SITE!r})"
        )
        r.fail(f"{path}.site", f"unknown site {site!r}{detail}")
        site = None
    elif site is None and required and r.multi_site:
        r.fail(f"{path}.site", f"required when the fleet lists sites (one of: {', '.join(known)})")
    r.country = known.get(site or "", next(iter(known.values()), "US"))
    return site if r.multi_site else None


def _read_room(r: _Reader, doc: Mapping[str, Any], path: str) -> Room | None:
    r.unknown_keys(doc, ROOM_FIELDS, path)
    site = _read_entry_site(r, doc, path, required=True)
    room_id = r.ident(doc, path)
    name = r.string(doc, "name", path) or room_id
    booking_doc = r.mapping(doc.get("booking"), f"{path}.booking")
    r.unknown_keys(booking_doc, BOOKING_FIELDS, f"{path}.booking")
    defaults = BookingRules()
    release = (
        r.integer(booking_doc, "release_after_minutes", f"{path}.booking", maximum=240)
        if "release_after_minutes" in booking_doc
        else defaults.release_after_minutes
    )
    rules = BookingRules(
        max_minutes=r.integer(booking_doc, "max_minutes", f"{path}.booking", minimum=15, maximum=24 * 60)
        or defaults.max_minutes,
        release_after_minutes=release or None,
        window_days=r.integer(booking_doc, "window_days", f"{path}.booking", minimum=1, maximum=366)
        or defaults.window_days,
    )
    room = Room(
        id=room_id or "",
        name=name or "",
        aliases=r.strings(doc, "aliases", path),
        floor=r.integer(doc, "floor", path, minimum=-20, maximum=300),
        capacity=r.integer(doc, "capacity", path, minimum=1, maximum=10_000),
        features=r.features(doc, path, None),
        calendar=r.url(r.string(doc, "calendar", path), f"{path}.calendar"),
        phone=r.phone(doc.get("phone"), f"{path}.phone"),
        bookable=r.boolean(doc, "bookable", path, True),
        booking=rules,
        site=site,
    )
    return room if room_id else None


def _read_group(r: _Reader, doc: Mapping[str, Any], path: str) -> SkillGroup | None:
    r.unknown_keys(doc, GROUP_FIELDS, path)
    group_id = r.ident(doc, path)
    features = r.features(doc, path, FEATURES)
    return SkillGroup(id=group_id, features=features) if group_id else None


def _read_device(r: _Reader, doc: Mapping[str, Any], path: str) -> Device | None:
    r.unknown_keys(doc, DEVICE_FIELDS, path)
    device_id = r.string(doc, "id", path, required=True)
    kind_text = r.string(doc, "kind", path) or ("personal" if doc.get("user") else "shared")
    try:
        kind = DeviceKind(kind_text)
    except ValueError:
        r.fail(f"{path}.kind", f"expected shared or personal, got {kind_text!r}")
        return None
    room = r.string(doc, "room", path)
    user = r.string(doc, "user", path)
    if kind is DeviceKind.SHARED and not room:
        r.fail(f"{path}.room", "a shared device needs the room it stands in")
    if kind is DeviceKind.PERSONAL and not user:
        r.fail(f"{path}.user", "a personal device needs its user")
    if kind is DeviceKind.PERSONAL and room:
        r.fail(f"{path}.room", "a personal device belongs to a user, not a room")
    if kind is DeviceKind.SHARED and user:
        r.fail(f"{path}.user", "a shared device belongs to a room, not a user")
    if not device_id:
        return None
    return Device(id=device_id, kind=kind, room=room, user=user, skill_group=r.string(doc, "skill_group", path))


def _read_notify(r: _Reader, doc: Mapping[str, Any], path: str, name: str = "notify") -> tuple[NotifyTarget, ...]:
    """The notification targets in the list `name` (a user's `notify`, a site's `facilities`)."""
    targets: list[NotifyTarget] = []
    for i, entry in enumerate(r.seq(doc.get(name), f"{path}.{name}")):
        entry_path = f"{path}.{name}[{i}]"
        entry_doc = r.mapping(entry, entry_path)
        if len(entry_doc) != 1:
            r.fail(entry_path, f"expected exactly one of: {', '.join(CHANNELS)}")
            continue
        channel, address = next(iter(entry_doc.items()))
        if channel not in CHANNELS:
            r.fail(f"{entry_path}.{channel}", f"unknown channel (expected one of: {', '.join(CHANNELS)})")
            continue
        if not isinstance(address, str) or not address.strip():
            r.fail(f"{entry_path}.{channel}", "expected text")
            continue
        address = address.strip()
        if channel == "email" and not EMAIL_RE.match(address):
            r.fail(f"{entry_path}.email", "not an email address")
            continue
        if channel == "sms":
            sms = r.phone(address, f"{entry_path}.sms")
            if sms is None:
                continue
            address = sms
        if channel == "webhook" and not (urlparse(address).scheme in ("http", "https") or address.startswith("ssm:/")):
            r.fail(f"{entry_path}.webhook", "expected an http(s) URL, or ssm:/NAME of an SSM parameter holding it")
            continue
        if (
            channel == "webhook"
            and not address.startswith("ssm:/")
            and r.reachable(address, f"{entry_path}.webhook") is None
        ):
            continue
        targets.append(NotifyTarget(channel=channel, address=address))
    return tuple(targets)


def _read_party(r: _Reader, doc: Mapping[str, Any], path: str, fields: Sequence[str]) -> dict[str, Any]:
    """What a user's and a contact's entries share, read and checked: id, name, reading and aliases."""
    r.unknown_keys(doc, fields, path)
    return {
        "id": r.ident(doc, path) or "",
        "name": r.string(doc, "name", path, required=True) or "",
        "reading": r.reading(doc, path),
        "aliases": r.strings(doc, "aliases", path),
    }


def _read_user(r: _Reader, doc: Mapping[str, Any], path: str) -> User | None:
    site = _read_entry_site(r, doc, path, required=False)
    party = _read_party(r, doc, path, USER_FIELDS)
    email = r.string(doc, "email", path)
    if email and not EMAIL_RE.match(email):
        r.fail(f"{path}.email", "not an email address")
        email = None
    user = User(
        **party,
        email=email,
        phones=r.phones(doc, path),
        alexa_user_ids=r.strings(doc, "alexa_user_ids", path),
        alexa_person_ids=r.strings(doc, "alexa_person_ids", path),
        calendar=r.url(r.string(doc, "calendar", path), f"{path}.calendar"),
        delegate=r.string(doc, "delegate", path),
        notify=_read_notify(r, doc, path),
        site=site,
    )
    return user if user.id and user.name else None


def _read_contact(r: _Reader, doc: Mapping[str, Any], path: str) -> Contact | None:
    r.country = next(iter(r.site_countries.values()), "US")
    party = _read_party(r, doc, path, CONTACT_FIELDS)
    problems_before = len(r.problems)
    phones = r.phones(doc, path)
    if not phones and len(r.problems) == problems_before:
        r.fail(f"{path}.phones", "a contact needs at least one phone number")
    contact = Contact(**party, phones=phones)
    return contact if contact.id and contact.name else None


def _read_calling(r: _Reader, doc: Mapping[str, Any], path: str = "calling") -> CallingPolicy:
    r.unknown_keys(doc, CALLING_FIELDS, path)
    may_call = r.strings(doc, "shared_may_call", path) if "shared_may_call" in doc else CallingPolicy().shared_may_call
    for i, value in enumerate(may_call):
        if value not in SHARED_MAY_CALL:
            r.fail(f"{path}.shared_may_call[{i}]", f"expected one of: {', '.join(SHARED_MAY_CALL)}")
    prefixes = r.strings(doc, "blocked_prefixes", path)
    for i, prefix in enumerate(prefixes):
        if not re.fullmatch(r"\+\d{1,15}", prefix):
            r.fail(f"{path}.blocked_prefixes[{i}]", f"expected '+' and digits, got {prefix!r}")
    countries = r.strings(doc, "allowed_countries", path)
    for i, code in enumerate(countries):
        if not is_region(code):
            r.fail(f"{path}.allowed_countries[{i}]", f"expected a two-letter country code (e.g. JP, US), got {code!r}")
    countries = tuple(dict.fromkeys(code.upper() for code in countries))
    return CallingPolicy(shared_may_call=may_call, blocked_prefixes=prefixes, allowed_countries=countries)


def _read_limits(r: _Reader, doc: Mapping[str, Any]) -> Limits:
    """Each limit a whole number from 1 to 100,000; one not given keeps its default."""
    r.unknown_keys(doc, LIMIT_FIELDS, "limits")
    given = {name: r.integer(doc, name, "limits", minimum=1, maximum=100_000) for name in LIMIT_FIELDS}
    return Limits(**{name: value for name, value in given.items() if value is not None})


def _read_list(
    r: _Reader, doc: Mapping[str, Any], name: str, read: Callable[[_Reader, Mapping[str, Any], str], T | None]
) -> list[tuple[str, T]]:
    out: list[tuple[str, T]] = []
    seen: dict[str, str] = {}
    for i, entry in enumerate(r.seq(doc.get(name), name)):
        path = f"{name}[{i}]"
        if not isinstance(entry, Mapping):
            r.fail(path, f"expected a mapping, got {_type_name(entry)}")
            continue
        item = read(r, entry, path)
        if item is None:
            continue
        item_id: str = item.id  # type: ignore[attr-defined]
        if item_id in seen:
            r.fail(f"{path}.id", f"duplicate id {item_id!r} (also {seen[item_id]})")
            continue
        seen[item_id] = path
        out.append((path, item))
    return out


def parse_fleet(doc: Any, *, egress: EgressPolicy | None = None) -> Fleet:
    """A validated Fleet from a parsed fleet file; raises FleetValidationError naming every bad field.

    Feed and webhook URLs must be reachable under `egress` (by default the strict policy: public addresses
    only, no files).
    """
    r = _Reader(egress=egress)
    if not isinstance(doc, Mapping):
        raise FleetValidationError([f"(top): expected a mapping with {', '.join(TOP_FIELDS)}"])
    r.unknown_keys(doc, TOP_FIELDS, "")
    sites = _read_sites(r, doc)
    rooms = _read_list(r, doc, "rooms", _read_room)
    groups = _read_list(r, doc, "skill_groups", _read_group)
    devices = _read_list(r, doc, "devices", _read_device)
    users = _read_list(r, doc, "users", _read_user)
    contacts = _read_list(r, doc, "contacts", _read_contact)
    calling = _read_calling(r, r.mapping(doc.get("calling"), "calling"))
    limits = _read_limits(r, r.mapping(doc.get("limits"), "limits"))

    room_ids = {room.id for _, room in rooms}
    group_ids = {group.id for _, group in groups}
    user_ids = {user.id for _, user in users}
    contact_ids = {contact.id for _, contact in contacts}
    for path, device in devices:
        if device.room and device.room not in room_ids:
            r.fail(f"{path}.room", f"unknown room {device.room!r}")
        if device.user and device.user not in user_ids:
            r.fail(f"{path}.user", f"unknown user {device.user!r}")
        if device.skill_group and device.skill_group not in group_ids:
            r.fail(f"{path}.skill_group", f"unknown skill group {device.skill_group!r}")
    alexa_ids: dict[str, str] = {}
    for path, user in users:
        if user.delegate and user.delegate not in user_ids:
            r.fail(f"{path}.delegate", f"unknown user {user.delegate!r}")
        if user.delegate == user.id:
            r.fail(f"{path}.delegate", "a user cannot be their own delegate")
        for field_name in ("alexa_user_ids", "alexa_person_ids"):
            for i, alexa_id in enumerate(getattr(user, field_name)):
                if alexa_id in alexa_ids:
                    r.fail(f"{path}.{field_name}[{i}]", f"already enrolled for {alexa_ids[alexa_id]}")
                alexa_ids[alexa_id] = path
    for path, site in sites:
        if site.reception and site.reception not in user_ids | contact_ids:
            r.fail(f"{path}.reception", f"unknown user or contact {site.reception!r}")
    if r.problems:
        raise FleetValidationError(r.problems)
    return Fleet(
        site=sites[0][1] if sites else Site(),
        rooms=tuple(room for _, room in rooms),
        skill_groups=tuple(g for _, g in groups),
        devices=tuple(d for _, d in devices),
        users=tuple(u for _, u in users),
        contacts=tuple(c for _, c in contacts),
        calling=calling,
        limits=limits,
        sites=tuple(site for _, site in sites) if r.multi_site else (),
    )


def _read_sites(r: _Reader, doc: Mapping[str, Any]) -> list[tuple[str, Site]]:
    """The one-site form `site:` (a site with id `main`), or `sites:`; either way the sites' countries are
    noted for the entries that name them."""
    if "sites" in doc:
        if "site" in doc:
            r.fail("sites", "give either site (one site) or sites (several), not both")
        r.multi_site = True
        entries = r.seq(doc.get("sites"), "sites")
        if not entries and isinstance(doc.get("sites"), list):
            r.fail("sites", "list at least one site")
        sites = _read_list(r, doc, "sites", lambda r, entry, path: _read_site(r, entry, path, None))
    else:
        site = _read_site(r, r.mapping(doc.get("site"), "site"), "site")
        sites = [("site", site)] if site is not None else []
    r.site_countries = {site.id: site.country for _, site in sites}
    return sites


# ---------------------------------------------------------------- stored documents (already validated)


def room_from_doc(doc: Mapping[str, Any]) -> Room:
    booking = doc.get("booking") or {}
    return Room(
        id=doc["id"],
        name=doc.get("name") or doc["id"],
        aliases=tuple(doc.get("aliases") or ()),
        floor=doc.get("floor"),
        capacity=doc.get("capacity"),
        features=tuple(doc.get("features") or ()),
        calendar=doc.get("calendar"),
        phone=doc.get("phone"),
        bookable=doc.get("bookable", True),
        booking=BookingRules(
            max_minutes=booking.get("max_minutes", 120),
            release_after_minutes=booking.get("release_after_minutes"),
            window_days=booking.get("window_days", 30),
        ),
        site=doc.get("site"),
    )


def site_from_doc(doc: Mapping[str, Any]) -> Site:
    """A site from its stored document; the earlier one-site layout's document (no id) is the site `main`."""
    plain = ("name", "timezone", "retention_days", "country", "reception", "end_of_day")
    hours = doc.get("open_hours")
    return Site(
        id=doc.get("id") or DEFAULT_SITE,
        **{k: doc[k] for k in plain if k in doc},
        facilities=_targets(doc.get("facilities")),
        open_hours=OpenHours(tuple((k, v if isinstance(v, str) else tuple(v)) for k, v in hours.items()))
        if hours is not None
        else None,
        calling=calling_from_doc(doc["calling"]) if doc.get("calling") is not None else None,
    )


def _targets(docs: Sequence[Mapping[str, str]] | None) -> tuple[NotifyTarget, ...]:
    return tuple(NotifyTarget(*next(iter(t.items()))) for t in docs or ())


def group_from_doc(doc: Mapping[str, Any]) -> SkillGroup:
    return SkillGroup(id=doc["id"], features=tuple(doc.get("features") or ()))


def device_from_doc(doc: Mapping[str, Any]) -> Device:
    return Device(
        id=doc["id"],
        kind=DeviceKind(doc["kind"]),
        room=doc.get("room"),
        user=doc.get("user"),
        skill_group=doc.get("skill_group"),
    )


def _party_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a User or a Contact their documents share (see `_party_doc`)."""
    return {
        "id": doc["id"],
        "name": doc["name"],
        "reading": doc.get("reading"),
        "aliases": tuple(doc.get("aliases") or ()),
        "phones": dict(doc.get("phones") or {}),
    }


def user_from_doc(doc: Mapping[str, Any]) -> User:
    return User(
        **_party_fields(doc),
        email=doc.get("email"),
        alexa_user_ids=tuple(doc.get("alexa_user_ids") or ()),
        alexa_person_ids=tuple(doc.get("alexa_person_ids") or ()),
        calendar=doc.get("calendar"),
        delegate=doc.get("delegate"),
        notify=_targets(doc.get("notify")),
        site=doc.get("site"),
    )


def sites_from_docs(docs: Mapping[str, Mapping[str, Any]]) -> list[Site]:
    """Stored sites in the order the fleet file listed them (their `position`), the earlier layout's first."""
    ordered = sorted(docs.values(), key=lambda doc: (doc.get("position", -1), str(doc.get("id", ""))))
    return [site_from_doc(doc) for doc in ordered]


def fleet_from_docs(docs: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> Fleet:
    """The fleet from stored documents by kind and id (the calling policy and the limits under the id
    "site"), each list in order of id but the sites, in the order the file listed them. It is of the one-site
    form when its only site is `main` and no room or user names a site."""

    def each(kind: str) -> list[Mapping[str, Any]]:
        return [doc for _, doc in sorted(docs.get(kind, {}).items())]

    sites = sites_from_docs(docs.get("site", {}))
    calling = docs.get("calling", {}).get(SINGLETON_ID)
    limits = docs.get("limits", {}).get(SINGLETON_ID)
    rooms = tuple(room_from_doc(d) for d in each("room"))
    users = tuple(user_from_doc(d) for d in each("user"))
    named = any(room.site for room in rooms) or any(user.site for user in users)
    one_site = [site.id for site in sites] in ([], [DEFAULT_SITE]) and not named
    return Fleet(
        site=sites[0] if sites else Site(),
        rooms=rooms,
        skill_groups=tuple(group_from_doc(d) for d in each("group")),
        devices=tuple(device_from_doc(d) for d in each("device")),
        users=users,
        contacts=tuple(contact_from_doc(d) for d in each("contact")),
        calling=calling_from_doc(calling) if calling else CallingPolicy(),
        limits=limits_from_doc(limits),
        sites=() if one_site else tuple(sites),
    )


def contact_from_doc(doc: Mapping[str, Any]) -> Contact:
    return Contact(**_party_fields(doc))


def calling_from_doc(doc: Mapping[str, Any]) -> CallingPolicy:
    return CallingPolicy(
        shared_may_call=tuple(doc.get("shared_may_call") or ()),
        blocked_prefixes=tuple(doc.get("blocked_prefixes") or ()),
        allowed_countries=tuple(doc.get("allowed_countries") or ()),
    )


def limits_from_doc(doc: Mapping[str, Any] | None) -> Limits:
    """The stored limits; the defaults for any not stored (a fleet applied before limits existed)."""
    stored = doc or {}
    return Limits(**{name: stored[name] for name in LIMIT_FIELDS if name in stored})
