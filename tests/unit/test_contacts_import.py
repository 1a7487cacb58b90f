"""Address-book import from Outlook and Google CSV exports, hand-made CSV and vCard 3/4 files."""

from __future__ import annotations

from pathlib import Path

from skill.adapters.contacts_import import read_contacts, slug

CONTACTS = Path(__file__).resolve().parents[1] / "fixtures" / "contacts"


def test_outlook_export_with_business_and_mobile_columns() -> None:
    # Given an Outlook CSV export of a Japanese office / When imported
    result = read_contacts(CONTACTS / "outlook.csv", "JP")

    # Then names come from the name parts (or the company), numbers are E.164 by type
    by_id = {contact.id: contact for contact in result.contacts}
    assert by_id["alice-tanaka"].name == "Alice Tanaka"
    assert dict(by_id["alice-tanaka"].phones) == {"office": "+81312345678", "mobile": "+819012345678"}
    assert dict(by_id["bob-j-smith"].phones) == {"office": "+12065550100"}
    assert by_id["acme-support-desk"].name == "ACME Support Desk"
    # A second Alice Tanaka gets an id of her own
    assert dict(by_id["alice-tanaka-2"].phones) == {"office": "+81661234567"}
    # A bad number next to a good one costs only that number
    assert dict(by_id["dan-ito"].phones) == {"mobile": "+819087654321"}

    # And the skipped or trimmed rows are reported by line, without personal data
    assert result.problems == [
        "line 5: no usable phone number",
        "line 6: no name",
        "line 7: office number not usable (invalid)",
    ]


def test_google_export_with_typed_phone_columns_and_several_values() -> None:
    result = read_contacts(CONTACTS / "google.csv", "DE")
    erika, hanako = result.contacts
    assert (erika.id, erika.name) == ("erika-mustermann", "Erika Mustermann")
    assert dict(erika.phones) == {"mobile": "+4915123456789", "office": "+49301234567", "office-2": "+49307654321"}
    # A name without Latin letters still gets a stable, valid id
    assert hanako.name == "山田 花子"
    assert hanako.id.startswith("contact-") and slug(hanako.id) == hanako.id
    assert result.problems == []


def test_simple_csv_keeps_given_ids() -> None:
    result = read_contacts(CONTACTS / "simple.csv", "JP")
    assert [(c.id, c.name, dict(c.phones)) for c in result.contacts] == [
        ("acme", "Acme Support", {"office": "+12065550100"}),
        ("fuji-taxi", "Fuji Taxi", {"office": "+81120123456"}),
    ]


def test_vcard_3() -> None:
    result = read_contacts(CONTACTS / "contacts-v3.vcf", "GB")
    assert [(c.id, dict(c.phones)) for c in result.contacts] == [
        ("alice-chen", {"mobile": "+447911123456", "office": "+442079460018"})
    ]
    assert result.problems == ["entry 2: no name", "entry 3: no usable phone number"]


def test_vcard_4_with_tel_uris() -> None:
    result = read_contacts(CONTACTS / "contacts-v4.vcf", "ES")
    assert [(c.id, c.name, dict(c.phones)) for c in result.contacts] == [
        ("jose-alvarez", "José Álvarez", {"mobile": "+34600123456", "office": "+34911234567"}),
        ("front-desk", "Front Desk", {"home": "+442079460000"}),
    ]


def test_windows_encoded_csv_and_header_case(tmp_path: Path) -> None:
    # Given a CSV saved by Excel on Windows with upper-case headers
    path = tmp_path / "export.csv"
    path.write_bytes("FULL NAME,MOBILE PHONE\nRené Müller,+41 79 123 45 67\n".encode("cp1252"))
    result = read_contacts(path, "CH")
    assert [(c.id, c.name, dict(c.phones)) for c in result.contacts] == [
        ("rene-muller", "René Müller", {"mobile": "+41791234567"})
    ]


def test_emergency_numbers_are_never_imported(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("name,phone\nPolice,110\n", encoding="utf-8")
    result = read_contacts(path, "JP")
    assert result.contacts == []
    assert result.problems == ["line 2: phone number not usable (emergency)", "line 2: no usable phone number"]
