"""Address-book import from Outlook and Google CSV exports, hand-made CSV and vCard 3/4 files: all or nothing,
every problem named by its line, ids and numbers as the fleet file holds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.adapters import contacts_import
from skill.adapters.contacts_import import ImportProblems, contact_id, read_contacts, slug
from skill.domain.fleet import contact_to_doc, parse_fleet

CONTACTS = Path(__file__).resolve().parents[1] / "fixtures" / "contacts"


def problems(path: Path, country: str = "JP") -> list[str]:
    with pytest.raises(ImportProblems) as raised:
        read_contacts(path, country)
    return raised.value.problems


def written(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_an_outlook_export_with_bad_rows_is_refused_naming_each_line() -> None:
    # Given an Outlook CSV export with a row that has a number but no name, and a number that is not one
    # When it is read / Then nothing is imported, and each bad row is named by its line, without personal data
    assert problems(CONTACTS / "outlook.csv") == ["line 6: no name", "line 7: office number not usable (invalid)"]


def test_outlook_export_with_business_and_mobile_columns(tmp_path: Path) -> None:
    # Given the same export with its two bad rows fixed by removing them
    lines = (CONTACTS / "outlook.csv").read_text(encoding="utf-8").splitlines()
    path = written(tmp_path, "outlook.csv", "\n".join(lines[:5] + lines[7:]) + "\n")

    # When imported
    result = read_contacts(path, "JP")

    # Then names come from the name parts (or the company), numbers are E.164 by type
    by_id = {contact.id: contact for contact in result.contacts}
    assert by_id["alice-tanaka"].name == "Alice Tanaka"
    assert dict(by_id["alice-tanaka"].phones) == {"office": "+81312345678", "mobile": "+819012345678"}
    assert dict(by_id["bob-j-smith"].phones) == {"office": "+12065550100"}
    assert by_id["acme-support-desk"].name == "ACME Support Desk"
    # A second Alice Tanaka gets an id of her own
    assert dict(by_id["alice-tanaka-2"].phones) == {"office": "+81661234567"}
    # And Carol, who has only an email address, is skipped with a note
    assert result.notes == ["line 5: no phone number, skipped"]


def test_google_export_with_typed_phone_columns_and_several_values() -> None:
    result = read_contacts(CONTACTS / "google.csv", "DE")
    erika, hanako = result.contacts
    assert (erika.id, erika.name) == ("erika-mustermann", "Erika Mustermann")
    # A contact keeps one number per type: the second work number is left out, and said so
    assert dict(erika.phones) == {"mobile": "+4915123456789", "office": "+49301234567"}
    assert result.notes == ["line 2: 1 more number(s) left out (one mobile, office and home each)"]
    # A name without Latin letters still gets a stable, valid id
    assert hanako.name == "山田 花子"
    assert hanako.id.startswith("contact-") and slug(hanako.id) == hanako.id


def test_simple_csv_keeps_given_ids() -> None:
    result = read_contacts(CONTACTS / "simple.csv", "JP")
    assert [(c.id, c.name, dict(c.phones)) for c in result.contacts] == [
        ("acme", "Acme Support", {"office": "+12065550100"}),
        ("fuji-taxi", "Fuji Taxi", {"office": "+81120123456"}),
    ]


def test_a_vcard_with_a_number_but_no_name_is_refused() -> None:
    # Given vCards where the second has a number but an empty name (and the third no number at all)
    # When read / Then the file is refused at the second card's first line
    assert problems(CONTACTS / "contacts-v3.vcf", "GB") == ["line 10: no name"]


def test_vcard_3(tmp_path: Path) -> None:
    text = (CONTACTS / "contacts-v3.vcf").read_text(encoding="utf-8").replace("FN:\n", "FN:Reception\n")
    result = read_contacts(written(tmp_path, "v3.vcf", text), "GB")
    assert [(c.id, dict(c.phones)) for c in result.contacts] == [
        ("alice-chen", {"mobile": "+447911123456", "office": "+442079460018"}),
        ("reception", {"home": "+442079460991"}),
    ]
    assert result.notes == ["line 16: no phone number, skipped"]


def test_vcard_4_with_tel_uris() -> None:
    result = read_contacts(CONTACTS / "contacts-v4.vcf", "ES")
    assert [(c.id, c.name, dict(c.phones)) for c in result.contacts] == [
        ("jose-alvarez", "José Álvarez", {"mobile": "+34600123456", "office": "+34911234567"}),
        ("front-desk", "Front Desk", {"home": "+442079460000"}),
    ]


def test_windows_encoded_csv_and_header_case(tmp_path: Path) -> None:
    # Given a CSV saved by Excel on Windows with upper-case headers
    path = written(tmp_path, "export.csv", "FULL NAME,MOBILE PHONE\nRené Müller,+41 79 123 45 67\n".encode("cp1252"))
    result = read_contacts(path, "CH")
    assert [(c.id, c.name, dict(c.phones)) for c in result.contacts] == [
        ("rene-muller", "René Müller", {"mobile": "+41791234567"})
    ]


def test_a_utf16_export_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = written(tmp_path, "export.csv", "Name,Mobile\nYamada Hanako,090-1111-2222\n".encode("utf-16"))
    assert [c.id for c in read_contacts(path, "JP").contacts] == ["yamada-hanako"]


def test_emergency_numbers_are_never_imported(tmp_path: Path) -> None:
    path = written(tmp_path, "bad.csv", "name,phone\nPolice,110\n")
    assert problems(path) == ["line 2: phone number not usable (emergency)"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("extra.csv", "name,mobile\nAlice,090-1234-5678,oops,more\n", ["line 2: 4 cells, but the header has 2"]),
        ("quote.csv", 'name,mobile\n"Alice,090-1234-5678\n', ["line 2: not valid CSV (unexpected end of data)"]),
        ("empty.csv", "", ["line 1: empty file"]),
        ("header.csv", "colour,size\nred,9\n",
         ["line 1: no name or phone column in the header (e.g. Name, Mobile Phone)"]),
        ("noname.csv", "name,mobile\n,090-1234-5678\n", ["line 2: no name"]),
        ("long.csv", "name,mobile\n" + "A" * 501 + ",090-1234-5678\n",
         ["line 2: name too long (at most 500 characters)"]),
        ("broken-utf8.csv", "name,mobile\nRené,090\n".encode() + b"\nBad \xff byte,090\n",
         ["line 4: not valid UTF-8 text"]),
        ("binary.csv", b"name,mobile\nA\x00B,090-1234-5678\n", ["line 2: not a text address book (binary data)"]),
        ("undefined.csv", b"name,mobile\nA\x81B,090-1234-5678\n", ["line 2: not text in UTF-8 or Windows-1252"]),
        ("cut.vcf", "BEGIN:VCARD\nVERSION:3.0\nFN:Alice Chen\nTEL:+44 7911 123456\n",
         ["line 1: vCard not closed (END:VCARD missing: a truncated file?)"]),
        ("bad.vcf", "BEGIN:VCARD\nVERSION:3.0\nFN:Alice\nthis is no property\nTEL:+44 7911 123456\nEND:VCARD\n",
         ["line 1: unreadable vCard"]),
        ("stray.vcf", "hello\nBEGIN:VCARD\nVERSION:3.0\nFN:A\nTEL:+44 7911 123456\nEND:VCARD\n",
         ["line 1: text outside a vCard"]),
        ("twice.vcf", "BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nVERSION:3.0\nFN:B\nTEL:+44 7911 123456\nEND:VCARD\n",
         ["line 1: vCard not closed before the next one (END:VCARD missing)"]),
    ],
)  # fmt: skip
def test_every_kind_of_bad_input_names_its_line_and_imports_nothing(
    tmp_path: Path, name: str, content: str | bytes, expected: list[str]
) -> None:
    # Given a file with one kind of fault / When read / Then it is refused with the line named
    assert problems(written(tmp_path, name, content), "GB") == expected


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contacts_import, "MAX_BYTES", 1024)
    path = written(tmp_path, "big.csv", "name,mobile\n" + "Alice,090-1234-5678\n" * 100)
    (problem,) = problems(path)
    assert problem.startswith("too large (")


def test_too_many_entries_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contacts_import, "MAX_ENTRIES", 3)
    path = written(tmp_path, "many.csv", "name,mobile\n" + "".join(f"P{i},090-1234-567{i}\n" for i in range(5)))
    assert problems(path) == ["line 5: more than 3 entries"]


def test_generated_ids_are_always_valid_for_the_fleet_file(tmp_path: Path) -> None:
    # Given names that are very long, the same long name twice, only punctuation, and not Latin
    long_name = "Dr. " + " ".join(["Maximilian-Alexander"] * 8) + " of the International Trade Department"
    rows = [long_name, long_name, "!!!", "東京 タクシー", "--a--"]
    path = written(tmp_path, "ids.csv", "name,mobile\n" + "".join(f"{n},090-1234-567{i}\n" for i, n in enumerate(rows)))

    # When imported
    contacts = read_contacts(path, "JP").contacts

    # Then every id is unique, at most 63 characters, and a fleet file with them applies
    ids = [c.id for c in contacts]
    assert len(set(ids)) == 5 and all(len(i) <= 63 for i in ids)
    fleet = parse_fleet({"site": {"country": "JP"}, "contacts": [contact_to_doc(c) for c in contacts]})
    assert [c.id for c in fleet.contacts] == ids


def test_a_contact_id_stays_within_63_characters_however_many_repeats() -> None:
    taken: set[str] = set()
    ids = [contact_id("", "x" * 200, taken) for _ in range(12)]
    assert len(set(ids)) == 12 and max(len(i) for i in ids) == 63 and ids[11].endswith("-12")
