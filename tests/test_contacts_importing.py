"""The CSV import's reading: the encoding found or asked for (Hebrew and Western Windows code
pages, Excel's UTF-16 "Unicode text"), the separator, and a file read as it streams, never
whole (``wallboard/contacts/importing.py``). The rows' rules: tests/test_contacts.py."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from wallboard.contacts import importing
from wallboard.contacts.importing import detect, import_file
from wallboard.contacts.models import Contact, PhoneNumber

pytestmark = pytest.mark.django_db

HEBREW = "name,phone,company\nשרה כהן,050-723-4567,מוקד 2\nאבי לוי,03-555-1234,\n"
WESTERN = "name,phone,company\nJosé Müller,050-723-4567,Café Zürich\nAnaïs Brontë,03-555-1234,\n"


def names() -> list[str]:
    return sorted(Contact.objects.values_list("name", flat=True))


@pytest.mark.parametrize(
    ("text", "encoding", "read_as"),
    [
        (HEBREW, "cp1255", "Windows-1255 (Hebrew)"),
        (WESTERN, "cp1252", "Windows-1252 (Western European, Latin-1)"),
        (WESTERN, "latin-1", "Windows-1252 (Western European, Latin-1)"),
        (HEBREW, "utf-8", "UTF-8"),
        (HEBREW, "utf-8-sig", "UTF-8"),
    ],
)
def test_the_encoding_is_found_from_the_file(text, encoding, read_as):
    report = import_file(io.BytesIO(text.encode(encoding)), "IL")
    assert report.encoding == read_as
    expected = sorted(line.split(",")[0] for line in text.splitlines()[1:])
    assert names() == expected
    assert report.created == 2


def test_excels_unicode_text_is_read_utf16_with_tabs():
    text = HEBREW.replace(",", "\t")
    report = import_file(io.BytesIO(text.encode("utf-16")), "IL")  # with its byte-order mark
    assert report.encoding == "UTF-16 (Excel's Unicode text)"
    assert names() == ["אבי לוי", "שרה כהן"]
    assert Contact.objects.get(name="שרה כהן").company == "מוקד 2"


def test_a_semicolon_separated_file_is_read():
    import_file(io.BytesIO(WESTERN.replace(",", ";").encode()), "IL")
    assert names() == ["Anaïs Brontë", "José Müller"]


def test_the_encoding_asked_for_wins():
    # Western bytes asked to be read as Hebrew: read so (the report says how it was read)
    report = import_file(io.BytesIO(WESTERN.encode("cp1252")), "IL", "cp1255")
    assert report.encoding == "Windows-1255 (Hebrew)"
    assert "José Müller" not in names()


@pytest.mark.parametrize(
    ("sample", "found"),
    [
        (b"Dana,050\n", "utf-8"),
        ("Jos\u00e9 M\u00fcller".encode("cp1252"), "cp1252"),
        ("שרה כהן, מוקד".encode("cp1255"), "cp1255"),
        ("Renée,Chloé\n".encode("latin-1"), "cp1252"),
    ],
)
def test_detect_tells_the_code_pages_apart_by_where_their_letters_sit(sample, found):
    assert detect(sample) == found


def test_the_command_asks_for_an_encoding_and_prints_the_one_used(tmp_path):
    path = tmp_path / "western.csv"
    path.write_bytes(WESTERN.encode("cp1252"))
    out = io.StringIO()
    call_command("import_contacts", str(path), stdout=out)
    assert out.getvalue().startswith("read as Windows-1252")
    Contact.objects.all().delete()
    call_command("import_contacts", str(path), "--encoding", "cp1252", stdout=out)
    assert names() == ["Anaïs Brontë", "José Müller"]


def test_a_file_is_written_as_it_is_read_not_read_whole_first(monkeypatch):
    rows = "".join(f"Person {i},050-7{i:06d},\n" for i in range(8 * importing.CHUNK))
    stream = io.BytesIO(("name,phone,company\n" + rows).encode())  # 200 KB
    read_when_written: list[int] = []
    create = PhoneNumber.objects.bulk_create

    def watched(objects, **options):
        read_when_written.append(stream.tell())
        return create(objects, **options)

    monkeypatch.setattr(PhoneNumber.objects, "bulk_create", watched)
    report = import_file(stream, "IL")
    assert report.created == 8 * importing.CHUNK
    assert len(read_when_written) >= 8  # a chunk at a time
    assert read_when_written[0] < len(stream.getvalue()) / 2  # the first chunk, early


def test_utf8_asked_for_reads_excels_csv_utf8_with_its_byte_order_mark():
    report = import_file(io.BytesIO(HEBREW.encode("utf-8-sig")), "IL", "utf-8")
    assert report.created == 2
    assert "שרה כהן" in names()


def test_a_nul_in_a_cell_is_dropped_not_a_failed_import():
    report = import_file(io.BytesIO(b"name,phone,notes\nDa\x00na,050-723-4567,a\x00b\n"), "IL")
    assert report.created == 1
    assert Contact.objects.get().name == "Dana"
    assert Contact.objects.get().notes == "ab"
