"""Address-book import: CSV (Outlook, Google or hand-made) and vCard 3/4 files into Contacts.

Numbers are normalised to E.164 in the site's country. An entry without a usable name or number is
reported as a problem (by line or entry number) and skipped; the rest of the file is still imported.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from skill.domain.dialing import DialingError, to_e164
from skill.domain.model import Contact

NAME_COLUMNS = ("name", "full name", "display name", "file as")
NAME_PART_COLUMNS = (
    ("first name", "given name"),
    ("middle name", "additional name"),
    ("last name", "family name", "surname"),
)
COMPANY_COLUMNS = ("company", "organization", "organization name", "organization 1 - name")
# Column name -> phone type; the first column found for a type wins.
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


@dataclass(frozen=True)
class ImportResult:
    contacts: list[Contact] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class _Entry:
    where: str  # "line 4" or "entry 2"
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


def _csv_entries(text: str) -> Iterator[_Entry]:
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        line = f"line {reader.line_num}"
        cells = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
        name = next((cells[c] for c in NAME_COLUMNS if cells.get(c)), "")
        if not name:
            parts = [next((cells[c] for c in names if cells.get(c)), "") for names in NAME_PART_COLUMNS]
            name = " ".join(part for part in parts if part)
        if not name:
            name = next((cells[c] for c in COMPANY_COLUMNS if cells.get(c)), "")
        phones = [
            (PHONE_COLUMNS[column], value) for column, value in cells.items() if column in PHONE_COLUMNS and value
        ]
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
        yield _Entry(line, name, phones, cells.get("id", ""))


def _vcard_entries(text: str) -> Iterator[_Entry]:
    import vobject

    for index, card in enumerate(vobject.readComponents(text, ignoreUnreadable=True), start=1):
        contents = card.contents
        name = str(contents["fn"][0].value).strip() if "fn" in contents else ""
        if not name and "n" in contents:
            n = contents["n"][0].value
            name = " ".join(str(part) for part in (n.given, n.additional, n.family) if part).strip()
        if not name and "org" in contents:
            org = contents["org"][0].value
            name = str(org[0] if isinstance(org, list) and org else org).strip()
        phones: list[tuple[str, str]] = []
        for tel in contents.get("tel", []):
            types = [str(value) for value in tel.params.get("TYPE", [])]
            number = str(tel.value).strip()
            phones.append((_phone_type(types), number[4:] if number.lower().startswith("tel:") else number))
        yield _Entry(f"entry {index}", name, phones)


def _unique_id(entry: _Entry, taken: set[str]) -> str:
    base = slug(entry.wanted_id) or slug(entry.name)
    if not base:
        base = "contact-" + hashlib.sha256(entry.name.encode()).hexdigest()[:8]
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # Outlook's "Comma Separated Values (Windows)"


def read_contacts(path: Path, country: str) -> ImportResult:
    """Contacts read from a .csv or .vcf file, with one problem line per entry that was skipped or trimmed."""
    text = _read_text(path)
    is_vcard = path.suffix.lower() in (".vcf", ".vcard") or text.lstrip().upper().startswith("BEGIN:VCARD")
    entries = _vcard_entries(text) if is_vcard else _csv_entries(text)
    result = ImportResult()
    taken: set[str] = set()
    for entry in entries:
        if not entry.name:
            result.problems.append(f"{entry.where}: no name")
            continue
        phones: dict[str, str] = {}
        for kind, written in entry.phones:
            try:
                number = to_e164(written, country)
            except DialingError as error:
                result.problems.append(f"{entry.where}: {kind} number not usable ({error.reason})")
                continue
            if number in phones.values():
                continue
            label, n = kind, 2
            while label in phones:
                label, n = f"{kind}-{n}", n + 1
            phones[label] = number
        if not phones:
            result.problems.append(f"{entry.where}: no usable phone number")
            continue
        result.contacts.append(Contact(id=_unique_id(entry, taken), name=entry.name, phones=phones))
    return result
