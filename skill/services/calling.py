"""Calling by voice: who the caller means, whether they may ring them, placing the call, joining a meeting.

The phone that rings first is the room's speakerphone (shared device) or the user's own phone (personal
device); the telephony provider bridges it to the callee. Every attempt that gets as far as a number lands
in the call log under an id derived from the request, so a retried request never dials twice; a call whose
provider did not answer in time is logged with an unknown outcome and reported as requested, never
requested again. Logging a call takes a unit of the device's hourly call limit in the same write, so a device
over its limit dials nothing; a call the provider turns away as too busy (it was not placed) is asked again
after a short backoff while the voice budget allows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from skill.domain import fleet_index
from skill.domain.calendar import user_owner
from skill.domain.calls import CallRecord, CallStatus, call_id
from skill.domain.dialing import (
    CallOutcomeUnknown,
    CallRefused,
    DialerError,
    DialingError,
    DialPlan,
    check_dialable,
    to_e164,
)
from skill.domain.directory import DirectoryEntry, MatchResult, filed_under, match_names, pick
from skill.domain.errors import DomainError
from skill.domain.limits import call_quota
from skill.domain.model import BusyInterval, Caller, CallingPolicy, Contact, Site, User
from skill.observability import count, logger
from skill.services.limits import refused

if TYPE_CHECKING:
    from skill.ports import BookingStore, CallLog, Dialer, FleetStore

PHONE_TYPE_WORDS: Mapping[str, str] = {
    "mobile": "mobile",
    "cell": "mobile",
    "cellphone": "mobile",
    "cell phone": "mobile",
    "mobile phone": "mobile",
    "smartphone": "mobile",
    "office": "office",
    "work": "office",
    "desk": "office",
    "desk phone": "office",
    "work phone": "office",
    "office phone": "office",
    "business": "office",
    "home": "home",
    "home phone": "home",
    "landline": "home",
    "house": "home",
}
DEFAULT_PHONE_ORDER = ("mobile", "office", "home")
RECEPTION_ID = "reception"
RECEPTION_ALIASES = ("front desk", "reception desk", "the front desk", "the reception")
JOIN_LEAD = timedelta(minutes=15)
BUSY_LOOKUP_SLACK = timedelta(minutes=1)  # a meeting starting just past the lead still counts
DIAL_ATTEMPTS = 3  # a call the provider throttled is asked again, at most this many times in all
DIAL_BACKOFF_SECONDS = 0.2  # the wait before the second attempt; doubled before the third
DIAL_RETRY_WITHIN_SECONDS = 1.0  # no new attempt once this long has passed since the first


class NoPhoneToRing(DomainError):
    """Neither the room (shared device) nor the user (personal device) has a phone to ring first."""


@dataclass(frozen=True)
class Party:
    """Someone in the directory with the numbers they can be called on."""

    entry: DirectoryEntry
    ref: str  # "user:<id>" or "contact:<id>", what the call log keeps
    kind: str  # "employees" | "contacts", as in `calling.shared_may_call`
    phones: Mapping[str, str]


@dataclass(frozen=True)
class Callee:
    id: str  # the directory entry ("reception" for the site's reception)
    ref: str
    name: str
    kind: str
    phone_type: str
    number: str  # E.164


@dataclass(frozen=True)
class Ambiguous:
    candidates: tuple[DirectoryEntry, ...]

    @property
    def ids(self) -> list[str]:
        return [entry.id for entry in self.candidates]


@dataclass(frozen=True)
class NotFound:
    reason: str  # "nobody" | "no_number" | "no_such_phone"
    name: str | None = None
    phone_type: str | None = None
    usual: Callee | None = None  # who was found without that phone, on their usual one ("no_such_phone")


@dataclass(frozen=True)
class MeetingLine:
    """A meeting's dial-in: the bridge number and the digits that get the caller into the meeting."""

    number: str  # E.164
    digits: str | None
    meeting: BusyInterval


Target = Callee | str | MeetingLine  # a str is a number as said or typed


@dataclass(frozen=True)
class CallPlan:
    ring_first: str
    dial: DialPlan
    contact: str | None


@dataclass(frozen=True)
class CallOutcome:
    """What happened: "ready" (may be placed), "placed", "requested" (the provider took the request but did
    not answer in time), "refused", "invalid", "no_phone", "failed", "no_meeting" or "no_dial_in";
    `reason` is the refusal or failure key."""

    result: str
    reason: str | None = None
    call_id: str | None = None
    repeated: bool = False  # this request had placed the call already
    meeting: BusyInterval | None = None


# ---------------------------------------------------------------- the directory


def reception_entry(site: Site) -> DirectoryEntry | None:
    """The site's reception as the directory lists it ("call reception", "the front desk"), when it has one."""
    if not site.reception:
        return None
    return DirectoryEntry(id=RECEPTION_ID, name="reception", aliases=RECEPTION_ALIASES)


def party_of(ref: str, user: User | None, contact: Contact | None) -> Party | None:
    """The party a directory id (`user:id`, `contact:id`) names, from the user or contact read for it."""
    if user is not None and ref == f"user:{user.id}":
        entry = fleet_index.directory_entry(user)
        return Party(entry, entry.id, "employees", user.phones)
    if contact is not None and ref == f"contact:{contact.id}":
        entry = fleet_index.directory_entry(contact)
        return Party(entry, entry.id, "contacts", contact.phones)
    return None


def phone_type_of(spoken: str | None) -> str | None:
    """The phone type a spoken word means ("cell" -> "mobile", "work" -> "office"), None when not said."""
    if not spoken or not spoken.strip():
        return None
    words = " ".join(spoken.lower().split())
    return PHONE_TYPE_WORDS.get(words, words)


def callee_of(party: Party, phone_type: str | None) -> Callee | NotFound:
    """`party` on the phone type asked for, or on their first number in the usual order."""
    name = party.entry.name
    wanted = phone_type_of(phone_type)
    phones = party.phones
    if wanted is not None:
        label = next((t for t in phones if t == wanted or t.startswith(wanted + "-")), None)
        if label is None:
            usual = callee_of(party, None)
            return NotFound("no_such_phone", name, wanted, usual if isinstance(usual, Callee) else None)
    else:
        ordered = [t for t in DEFAULT_PHONE_ORDER if t in phones] + [t for t in phones if t not in DEFAULT_PHONE_ORDER]
        if not ordered:
            return NotFound("no_number", name)
        label = ordered[0]
    return Callee(party.entry.id, party.ref, name, party.kind, label.split("-")[0], phones[label])


def choose(query: str, entries: Sequence[DirectoryEntry], caller: Caller) -> MatchResult:
    """Who "call `query`" means among `entries`: the speaker is left out when someone else matches too."""
    owner = caller.owner
    others = [entry for entry in entries if owner is None or entry.id != f"user:{owner.id}"]
    result = match_names(query, others)
    return result if result.found else match_names(query, entries)


# ---------------------------------------------------------------- placing a call


def ring_first(caller: Caller) -> str:
    """The phone that rings first: the room's speakerphone, or the user's mobile or office phone."""
    if caller.is_shared:
        phone = caller.room.phone if caller.room else None
    else:
        phones = caller.user.phones if caller.user else {}
        phone = phones.get("mobile") or phones.get("office")
    if not phone:
        raise NoPhoneToRing("room" if caller.is_shared else "user")
    return phone


def plan_call(caller: Caller, target: Target, policy: CallingPolicy) -> CallPlan:
    """The checked plan; raises CallRefused, DialingError or NoPhoneToRing."""
    country = caller.site.country
    if isinstance(target, Callee):
        check_dialable(target.number, country=country, policy=policy, shared=caller.is_shared, target_kind=target.kind)
        dial, contact = DialPlan(target.number), target.ref
    elif isinstance(target, MeetingLine):
        # The meeting is on this room's (or this user's) own calendar: joining it is what the
        # join-meeting feature allows, whatever a shared device may otherwise call.
        check_dialable(target.number, country=country, policy=policy, shared=False, target_kind="numbers")
        dial, contact = DialPlan(target.number, target.digits), None
    else:
        number = to_e164(target, country)
        check_dialable(
            number, country=country, policy=policy, shared=caller.is_shared, target_kind="numbers", raw=target
        )
        dial, contact = DialPlan(number), None
    return CallPlan(ring_first(caller), dial, contact)


def _target_number(target: Target, country: str) -> str:
    """The number a stopped call was for: E.164 when it is one, else the digits as dialled."""
    if isinstance(target, (Callee, MeetingLine)):
        return target.number
    try:
        return to_e164(target, country)
    except DialingError:
        return "".join(char for char in target if char.isdigit() or char == "+")


def meeting_line(
    caller: Caller, busy: Sequence[BusyInterval], now: datetime, allowed_countries: Sequence[str] = ()
) -> MeetingLine | CallOutcome:
    """The dial-in of the meeting happening now or starting within 15 minutes (the earliest that has one),
    a bridge in the site's country first, then one in `allowed_countries`."""
    from skill.domain.dialin import find_dial_in

    soon = sorted((b for b in busy if b.start <= now + JOIN_LEAD and b.end > now), key=lambda b: (b.start, b.end))
    if not soon:
        return CallOutcome("no_meeting")
    for meeting in soon:
        found = find_dial_in(meeting.dial_in, caller.site.country, allowed_countries) if meeting.dial_in else None
        if found is not None:
            return MeetingLine(found.number, found.digits or None, meeting)
    return CallOutcome("no_dial_in", meeting=soon[0])


@dataclass(frozen=True)
class CallingService:
    """The calling use cases, on the fleet (the directory and the calling policy), the call log, the dialer and
    the calendars (the meeting to join)."""

    fleet: FleetStore
    calls: CallLog
    dialer: Dialer
    provider: str = field(kw_only=True)  # "chime" or "local", as the call log records it
    bookings: BookingStore = field(kw_only=True)
    sleep: Callable[[float], None] = field(default=time.sleep, kw_only=True)

    def policy(self, caller: Caller) -> CallingPolicy:
        """The calling policy of the caller's site: its own, or the fleet's."""
        return caller.site.calling or self.fleet.calling()

    def party(self, ref: str, caller: Caller) -> Party | None:
        """The directory entry `ref` names (an employee, a contact, or the caller's site's reception) with
        their numbers, read by key."""
        if ref == RECEPTION_ID:
            desk, entry = caller.site.reception, reception_entry(caller.site)
            target = (self.party(f"user:{desk}", caller) or self.party(f"contact:{desk}", caller)) if desk else None
            return Party(entry, target.ref, target.kind, target.phones) if target and entry else None
        kind, _, entity_id = ref.partition(":")
        if kind == "user":
            return party_of(ref, self.fleet.get_user(entity_id), None)
        if kind == "contact":
            return party_of(ref, None, self.fleet.get_contact(entity_id))
        return None

    def callee(
        self,
        query: str | None,
        phone_type: str | None,
        caller: Caller,
        *,
        entity_id: str | None = None,
        chosen: str | None = None,
        candidates: Sequence[str] = (),
    ) -> Callee | Ambiguous | NotFound | None:
        """Who "call `query`" means: the party already `chosen` (a confirmed call), one of the `candidates`
        offered by "A or B?", or a fresh look-up; None when nobody was named yet. A look-up reads the entries
        filed under the query's name keys (one BatchGetItem), then the one meant (one more), whatever the size
        of the directory; the speaker is left out when someone else matches too, and the slot's
        entity-resolution id is used when the spoken name matches nobody."""
        party = self.party(chosen, caller) if chosen else None
        if party is not None:
            return callee_of(party, phone_type)
        if not query:
            return None
        if candidates:
            offered = [p.entry for ref in candidates if (p := self.party(ref, caller)) is not None]
            picked = pick(query, offered)
            party = self.party(picked.id, caller) if picked is not None else None
            if party is not None:
                return callee_of(party, phone_type)
        return self._look_up(query, phone_type, caller, entity_id)

    def _look_up(
        self, query: str, phone_type: str | None, caller: Caller, entity_id: str | None
    ) -> Callee | Ambiguous | NotFound:
        entries = filed_under(query, self.fleet.directory)
        desk = reception_entry(caller.site)
        result = choose(query, [*entries, *([desk] if desk else [])], caller)
        if result.is_ambiguous:
            return Ambiguous(result.candidates)
        refs = [result.match.id] if result.match else []
        refs += [f"user:{entity_id}", f"contact:{entity_id}"] if entity_id else []
        party = next((p for ref in refs if (p := self.party(ref, caller)) is not None), None)
        return callee_of(party, phone_type) if party is not None else NotFound("nobody")

    # --- placing a call ----------------------------------------------------------------------------

    def check(self, caller: Caller, target: Target, *, request_id: str, now: datetime) -> CallOutcome:
        """Before asking "shall I call?": "ready", or why not (a refusal is logged, nothing is dialled)."""
        plan = self._plan(caller, target, request_id=request_id, now=now)
        return plan if isinstance(plan, CallOutcome) else CallOutcome("ready")

    def place(self, caller: Caller, target: Target, *, request_id: str, now: datetime) -> CallOutcome:
        """Check, log and dial; a request that already placed this call gets its earlier outcome again.
        LimitReached, dialling and logging nothing, once the device has placed as many calls as it may this hour."""
        plan = self._plan(caller, target, request_id=request_id, now=now)
        if isinstance(plan, CallOutcome):
            return plan
        meeting = target.meeting if isinstance(target, MeetingLine) else None
        record = self._record(
            caller, CallStatus.PLACING, to=plan.dial.to, contact=plan.contact, request_id=request_id, now=now
        )
        with refused():
            new = self.calls.start(record, call_quota(caller, self.fleet.limits(), now))
        if not new:
            earlier = self.calls.get(record.id)
            status = earlier.status if earlier is not None else CallStatus.PLACING
            result = {CallStatus.FAILED: "failed", CallStatus.UNKNOWN: "requested"}.get(status, "placed")
            return CallOutcome(result, "unreachable" if result == "failed" else None, record.id, True, meeting)
        try:
            provider_id = self._dial(record.id, plan, request_id)
        except CallOutcomeUnknown as error:
            self.calls.update_status(record.id, CallStatus.UNKNOWN)
            count("CallPlaced")
            return CallOutcome("requested", error.reason, record.id, meeting=meeting)
        except DialerError as error:
            self.calls.update_status(record.id, CallStatus.FAILED)
            return CallOutcome("failed", error.reason, record.id, meeting=meeting)
        self.calls.update_status(record.id, CallStatus.PLACING, provider_id=provider_id)
        count("CallPlaced")
        return CallOutcome("placed", call_id=record.id, meeting=meeting)

    def _plan(self, caller: Caller, target: Target, *, request_id: str, now: datetime) -> CallPlan | CallOutcome:
        """The checked plan, or the answer to a call that cannot go ahead (`_stopped`)."""
        try:
            return plan_call(caller, target, self.policy(caller))
        except (DialingError, NoPhoneToRing) as error:
            return self._stopped(error, caller, target, request_id=request_id, now=now)

    def _dial(self, call_id: str, plan: CallPlan, request_id: str) -> str:
        """The provider's id for the call; one the provider throttled (not placed) is asked again with backoff."""
        started = time.monotonic()
        for attempt in range(1, DIAL_ATTEMPTS + 1):
            try:
                return self.dialer.place_call(
                    call_id, plan.ring_first, plan.dial.to, plan.dial.digits, request_id=request_id or None
                )
            except DialerError as error:
                late = time.monotonic() - started >= DIAL_RETRY_WITHIN_SECONDS
                if error.reason != "throttled" or attempt == DIAL_ATTEMPTS or late:
                    raise
                logger.info("call throttled, asking again", extra={"call_id": call_id, "attempt": attempt})
                self.sleep(DIAL_BACKOFF_SECONDS * 2 ** (attempt - 1) * random.uniform(0.5, 1.0))  # noqa: S311
        raise AssertionError("unreachable")  # pragma: no cover

    def log(self, limit: int = 100, *, site: str | None = None) -> list[CallRecord]:
        """The latest dial attempts, newest first: `limit` of them, of one site or of all (a call logged
        before there were sites is of the site `main`)."""
        return self.calls.list_calls(limit, site)

    def _record(
        self, caller: Caller, status: CallStatus, *, to: str, contact: str | None, request_id: str, now: datetime
    ) -> CallRecord:
        owner = caller.owner
        return CallRecord(
            id=call_id(request_id, to),
            device=caller.device_id,
            to=to,
            status=status,
            provider=self.provider,
            created_at=now,
            contact=contact,
            user=owner.id if owner else None,
            request_id=request_id or None,
            expires_at=now + timedelta(days=caller.site.retention_days),
            site=caller.site.id,
        )

    def _stopped(
        self, error: DomainError, caller: Caller, target: Target, *, request_id: str, now: datetime
    ) -> CallOutcome:
        """The answer to a call that cannot go ahead; refusals and missing phones are logged."""
        if isinstance(error, CallRefused):
            count("CallRefused")
            result, status, reason = "refused", CallStatus.REFUSED, error.reason
        elif isinstance(error, NoPhoneToRing):
            result, status, reason = "no_phone", CallStatus.FAILED, str(error)
        else:
            assert isinstance(error, DialingError)
            return CallOutcome("invalid", error.reason)
        to = _target_number(target, caller.site.country)
        contact = target.ref if isinstance(target, Callee) else None
        record = self._record(caller, status, to=to, contact=contact, request_id=request_id, now=now)
        self.calls.start(record)
        meeting = target.meeting if isinstance(target, MeetingLine) else None
        return CallOutcome(result, reason, call_id=record.id, meeting=meeting)

    # --- joining the meeting -----------------------------------------------------------------------

    def meetings_soon(self, caller: Caller, now: datetime) -> list[BusyInterval]:
        """Busy time from now to the end of the join window on the caller's calendar: the room's on a shared
        device, the user's own on a personal one. None when there is no calendar, or it cannot be read (a
        calendar we cannot read is a meeting we cannot see)."""
        if caller.is_shared:
            owner = caller.room.id if caller.room else None
        else:
            owner = user_owner(caller.user.id) if caller.user else None
        if owner is None:
            return []
        try:
            return self.bookings.busy_between(owner, now, now + JOIN_LEAD + BUSY_LOOKUP_SLACK, caller.timezone)
        except Exception:
            logger.warning("busy time not readable for join", exc_info=True)
            return []

    def meeting_line(self, caller: Caller, now: datetime) -> MeetingLine | CallOutcome:
        """The line of the meeting to join on the caller's calendar, by the calling policy's countries."""
        return meeting_line(caller, self.meetings_soon(caller, now), now, self.policy(caller).allowed_countries)

    def check_join(self, caller: Caller, *, request_id: str, now: datetime) -> MeetingLine | CallOutcome:
        """Before asking "join the 3 PM meeting?": the meeting's line when it may be dialled, or why not (a
        refusal is logged, nothing is dialled)."""
        line = self.meeting_line(caller, now)
        if isinstance(line, CallOutcome):
            return line
        checked = self.check(caller, line, request_id=request_id, now=now)
        return line if checked.result == "ready" else checked

    def join(self, caller: Caller, *, request_id: str, now: datetime) -> CallOutcome:
        """Dial into the current or next meeting with its digits; "no_meeting" or "no_dial_in" otherwise."""
        line = self.meeting_line(caller, now)
        if isinstance(line, CallOutcome):
            return line
        return self.place(caller, line, request_id=request_id, now=now)
