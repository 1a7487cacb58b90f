"""Address-book import: CSV (Outlook, Google or hand-made) and vCard 3/4 files into Contacts.

Reading is all or nothing. A file that is too large, not text, a row with more cells than the header, a
vCard that is truncated or unreadable, an entry with a number but no name, a number that cannot be
dialled: each is a problem naming its line, and when there is any, `read_contacts` raises ImportProblems
with all of them, so nothing is imported. An entry with no phone number at all (an email-only address
book entry) is not a contact one can call: it is skipped with a note.

Every contact comes out as the fleet file holds it: numbers in E.164 (national numbers read in the site's
country), at most one mobile, office and home number (a further number is left out, with a note), and an
id that the fleet file accepts (`[a-z0-9][a-z0-9-]*`, at most 63 characters), the same for the same name
on every import.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from skill.domain.dialing import DialingError, to_e164
from skill.domain.errors import ImportProblems
from skill.domain.model import Contact

MAX_BYTES = 10 * 1024 * 1024
MAX_ENTRIES = 50_000
MAX_ID_LENGTH = 63
MAX_NAME_LENGTH = 500
PHONE_TYPES = ("mobile", "office", "home")
NAME_COLUMNS = ("name", "full name", "display name", "file as")
NAME_PART_COLUMNS = (
    ("first name", "given name"),
    ("middle name", "additional name"),
    ("last name", "family name", "surname"),
)
COMPANY_COLUMNS = ("company", "organization", "organization name", "organization 1 - name")
# Column name -> phone type; "phone" is a number of no stated type.
PHONE_COLUMNS = {
    "mobile": "mobile",
    "mobile phone": "mobile",
    "cell": "mobile",
    "cell phone": "mobile",
    "office": "office",
    "work": "office",
    "business phone": "office",
    "business phone 2": "office",
    "company main phone": "office",
    "work phone": "office",
    "home": "home",
    "home phone": "home",
    "home phone 2": "home",
    "phone": "phone",
    "primary phone": "phone",
    "other phone": "phone",
    "telephone": "phone",
}
TYPE_WORDS = {"cell": "mobile", "mobile": "mobile", "work": "office", "main": "office", "home": "home"}
GOOGLE_PHONE = re.compile(r"phone (\d+) - (type|label|value)")


class VCardSupportMissing(RuntimeError):
    """vCard files need vobject, which comes with the package's `admin` extra."""


@dataclass(frozen=True)
class ImportResult:
    contacts: list[Contact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # entries skipped or trimmed, by line


@dataclass
class _Entry:
    line: int
    name: str
    phones: list[tuple[str, str]]  # (type, number as written)
    wanted_id: str = ""


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _phone_type(words: Iterable[str]) -> str:
    for word in words:
        for part in re.split(r"[\s,;]+", word.lower()):
            if part in TYPE_WORDS:
                return TYPE_WORDS[part]
    return "phone"


# ---------------------------------------------------------------- text


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _decode(raw: bytes) -> str:
    """The file's text: UTF-16 with a byte order mark, UTF-8, or Windows-1252 (Outlook's "CSV (Windows)")."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ImportProblems([f"line {_line_of(raw, error.start)}: not valid UTF-16 text"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if not raw[: error.start].isascii():  # UTF-8 so far: a broken byte, not another encoding
            raise ImportProblems([f"line {_line_of(raw, error.start)}: not valid UTF-8 text"]) from None
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as legacy:
            line = _line_of(raw, legacy.start)
            raise ImportProblems([f"line {line}: not text in UTF-8 or Windows-1252"]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportProblems([f"line {line}: not a text address book (binary data)"])
    return text


def _read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ImportProblems([f"too large ({size / 1_048_576:.1f} MB; at most {MAX_BYTES // 1_048_576} MB)"])
    with path.open("rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ImportProblems([f"too large (at most {MAX_BYTES // 1_048_576} MB)"])
    return _decode(raw)


# ---------------------------------------------------------------- CSV


def _csv_entries(text: str, problems: list[str]) -> Iterator[_Entry]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            problems.append("line 1: empty file")
            return
        columns = [column.strip().lower() for column in header]
        known = set(NAME_COLUMNS + COMPANY_COLUMNS + tuple(PHONE_COLUMNS)) | {c for p in NAME_PART_COLUMNS for c in p}
        if not any(column in known or GOOGLE_PHONE.fullmatch(column) for column in columns):
            problems.append("line 1: no name or phone column in the header (e.g. Name, Mobile Phone)")
            return
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                problems.append(f"line {reader.line_num}: {len(row)} cells, but the header has {len(columns)}")
                continue
            yield _csv_entry(reader.line_num, dict(zip(columns, (cell.strip() for cell in row), strict=False)))
    except csv.Error as error:
        problems.append(f"line {reader.line_num}: not valid CSV ({error})")


def _csv_entry(line: int, cells: dict[str, str]) -> _Entry:
    name = next((cells[c] for c in NAME_COLUMNS if cells.get(c)), "")
    if not name:
        parts = [next((cells[c] for c in names if cells.get(c)), "") for names in NAME_PART_COLUMNS]
        name = " ".join(part for part in parts if part)
    if not name:
        name = next((cells[c] for c in COMPANY_COLUMNS if cells.get(c)), "")
    phones = [(PHONE_COLUMNS[column], value) for column, value in cells.items() if column in PHONE_COLUMNS and value]
    google: dict[str, dict[str, str]] = {}
    for column, value in cells.items():
        found = GOOGLE_PHONE.fullmatch(column)
        if found and value:
            google.setdefault(found.group(1), {})[found.group(2)] = value
    for number in sorted(google, key=int):
        label = google[number].get("type") or google[number].get("label") or ""
        for value in google[number].get("value", "").split(":::"):
            if value.strip():
                phones.append((_phone_type([label]), value.strip()))
    return _Entry(line, name, phones, cells.get("id", ""))


# ---------------------------------------------------------------- vCard


def _vcard_blocks(text: str, problems: list[str]) -> Iterator[tuple[int, str]]:
    """Each BEGIN:VCARD ... END:VCARD block with the line it begins on; stray text and unclosed cards are
    problems."""
    start: int | None = None
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        marker = line.strip().upper()
        if marker == "BEGIN:VCARD":
            if start is not None:
                problems.append(f"line {start}: vCard not closed before the next one (END:VCARD missing)")
            start, lines = number, [line]
        elif start is None:
            if line.strip():
                problems.append(f"line {number}: text outside a vCard")
        else:
            lines.append(line)
            if marker == "END:VCARD":
                yield start, "\r\n".join(lines) + "\r\n"
                start, lines = None, []
    if start is not None:
        problems.append(f"line {start}: vCard not closed (END:VCARD missing: a truncated file?)")


def _vcard_entries(text: str, problems: list[str]) -> Iterator[_Entry]:
    try:
        import vobject
    except ModuleNotFoundError:
        raise VCardSupportMissing("vCard import needs vobject: pip install 'office-assistant[admin]'") from None
    for line, block in _vcard_blocks(text, problems):
        try:
            card = vobject.readOne(block, ignoreUnreadable=False)
            yield _vcard_entry(line, card.contents)
        except Exception:  # vobject raises many kinds of error on malformed cards; none may end the import
            problems.append(f"line {line}: unreadable vCard")


def _vcard_entry(line: int, contents: dict[str, list[object]]) -> _Entry:
    name = str(contents["fn"][0].value).strip() if "fn" in contents else ""  # type: ignore[attr-defined]
    if not name and "n" in contents:
        n = contents["n"][0].value  # type: ignore[attr-defined]
        name = " ".join(str(part) for part in (n.given, n.additional, n.family) if part).strip()
    if not name and "org" in contents:
        org = contents["org"][0].value  # type: ignore[attr-defined]
        name = str(org[0] if isinstance(org, list) and org else org).strip()
    phones: list[tuple[str, str]] = []
    for tel in contents.get("tel", []):
        types = [str(value) for value in tel.params.get("TYPE", [])]  # type: ignore[attr-defined]
        number = str(tel.value).strip()  # type: ignore[attr-defined]
        phones.append((_phone_type(types), number[4:] if number.lower().startswith("tel:") else number))
    return _Entry(line, name, phones)


# ---------------------------------------------------------------- contacts


def contact_id(wanted: str, name: str, taken: set[str]) -> str:
    """An id the fleet file accepts, for `wanted` (an id column) or the name, not in `taken` (then added)."""
    base = slug(wanted) or slug(name)
    if not base:
        base = "contact-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    if len(base) > MAX_ID_LENGTH:
        base = base[: MAX_ID_LENGTH - 9].rstrip("-") + "-" + hashlib.sha256(base.encode()).hexdigest()[:8]
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate, n = base[: MAX_ID_LENGTH - len(suffix)].rstrip("-") + suffix, n + 1
    taken.add(candidate)
    return candidate


def _phones(entry: _Entry, country: str, problems: list[str], notes: list[str]) -> dict[str, str]:
    """The entry's numbers in E.164 by fleet phone type; a number of no stated type takes the first free."""
    phones: dict[str, str] = {}
    left_out = 0
    for kind, written in entry.phones:
        try:
            number = to_e164(written, country)
        except DialingError as error:
            problems.append(f"line {entry.line}: {kind} number not usable ({error.reason})")
            continue
        if number in phones.values():
            continue
        free = [t for t in ((kind,) if kind in PHONE_TYPES else ("office", "mobile", "home")) if t not in phones]
        if free:
            phones[free[0]] = number
        else:
            left_out += 1
    if left_out:
        notes.append(f"line {entry.line}: {left_out} more number(s) left out (one mobile, office and home each)")
    return phones


def read_contacts(path: Path, country: str) -> ImportResult:
    """Contacts read from a .csv or .vcf file; ImportProblems naming every bad line when any is bad.

    OSError (no such file, a directory...) is left to the caller; VCardSupportMissing when vobject is not
    installed.
    """
    text = _read_text(path)
    is_vcard = path.suffix.lower() in (".vcf", ".vcard") or text.lstrip().upper().startswith("BEGIN:VCARD")
    problems: list[str] = []
    entries = _vcard_entries(text, problems) if is_vcard else _csv_entries(text, problems)
    result = ImportResult()
    lines: list[int] = []
    taken: set[str] = set()
    for count, entry in enumerate(entries, start=1):
        if count > MAX_ENTRIES:
            problems.append(f"line {entry.line}: more than {MAX_ENTRIES} entries")
            break
        if not entry.phones:
            result.notes.append(f"line {entry.line}: no phone number, skipped")
            continue
        if not entry.name:
            problems.append(f"line {entry.line}: no name")
            continue
        if len(entry.name) > MAX_NAME_LENGTH:
            problems.append(f"line {entry.line}: name too long (at most {MAX_NAME_LENGTH} characters)")
            continue
        phones = _phones(entry, country, problems, result.notes)
        if phones:
            contact_key = contact_id(entry.wanted_id, entry.name, taken)
            result.contacts.append(Contact(id=contact_key, name=entry.name, phones=phones))
            lines.append(entry.line)
    problems += _fleet_problems(result.contacts, lines, country)
    if problems:
        raise ImportProblems(problems)
    return result


def _fleet_problems(contacts: list[Contact], lines: list[int], country: str) -> list[str]:
    """What the fleet file would refuse in these contacts, by the line each came from (none, normally:
    this is the guarantee that an import always exports and applies again)."""
    from skill.domain.errors import FleetValidationError
    from skill.domain.fleet import contact_to_doc, parse_fleet

    try:
        parse_fleet({"site": {"country": country}, "contacts": [contact_to_doc(c) for c in contacts]})
    except FleetValidationError as error:
        found = []
        for problem in error.problems:
            where = re.match(r"contacts\[(\d+)\][^:]*: (.*)", problem)
            found.append(f"line {lines[int(where[1])]}: {where[2]}" if where else problem)
        return found
    return []
