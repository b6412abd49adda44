"""The CSV import's reading: the encoding found or asked for (Hebrew and Western Windows code
pages, Excel's UTF-16 "Unicode text"), the separator, a file read as it streams, never whole,
the headers in English or Hebrew, and a bad number left out of its row, not the row
(``wallboard/contacts/importing.py``). The other rows' rules: tests/test_contacts.py."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from wallboard.contacts import importing
from wallboard.contacts.importing import detect, import_csv, import_file
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


# --- a bad number leaves out itself, not its row -------------------------------------------


def numbers_of(name: str) -> list[tuple[str, str]]:
    return sorted(PhoneNumber.objects.filter(contact__name=name).values_list("label", "number"))


def test_a_bad_number_is_left_out_and_its_row_imports_with_its_good_numbers():
    text = "name,phone,Mobile Phone,company\nDana,050-123,050-723-4567,Cohen\n"
    report = import_csv(io.StringIO(text), "IL")
    assert (report.created, report.skipped) == (1, [])
    assert numbers_of("Dana") == [("mobile phone", "+972507234567")]
    assert Contact.objects.get().company == "Cohen"
    # its line, and its column's header as the file writes it
    assert report.left_out == [
        "line 2, column “\u2068phone\u2069”: '050-123' is not a valid phone number"
    ]


def test_a_number_the_toll_fraud_policy_refuses_is_left_out_not_its_row():
    text = "name,phone,mobile\nDana,1-900-72-12-34,050-723-4567\n"
    report = import_csv(io.StringIO(text), "IL")
    assert report.created == 1
    assert numbers_of("Dana") == [("mobile", "+972507234567")]
    assert report.left_out[0].startswith("line 2, column “\u2068phone\u2069”: 1-900-721-234:")
    assert "(premium-rate)" in report.left_out[0]


def test_a_row_whose_every_number_is_bad_is_skipped_and_each_number_reported():
    text = "name,phone,mobile\nDana,050-723-4567,\nBad,050-123,abc\n"
    report = import_csv(io.StringIO(text), "IL")
    assert report.created == 1
    assert report.skipped == ["line 3: \u2068Bad\u2069: none of its numbers can be imported"]
    assert [line.split(":")[0] for line in report.left_out] == [
        "line 3, column “\u2068phone\u2069”",
        "line 3, column “\u2068mobile\u2069”",
    ]


def test_the_report_counts_and_lists_the_numbers_left_out():
    text = "name,phone,mobile\nDana,050-723-4567,050-123\nNoa,abc,03-555-1234\n"
    lines = import_csv(io.StringIO(text), "IL").lines()
    assert lines[0] == "contacts: 2 created, 0 updated, 0 rows skipped"
    assert lines[1] == "2 numbers not imported:"
    assert lines[2].startswith("  line 2, column “\u2068mobile\u2069”: '050-123'")
    assert lines[3].startswith("  line 3, column “\u2068phone\u2069”: 'abc'")


def test_the_command_prints_the_numbers_left_out(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("name,phone,mobile\nDana,050-723-4567,050-123\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_contacts", str(path), stdout=out)
    assert "1 number not imported:\n  line 2, column “\u2068mobile\u2069”" in out.getvalue()


# --- star numbers --------------------------------------------------------------------------


def test_star_numbers_are_imported_and_kept_dialled_and_shown_with_their_star():
    text = "name,phone,office\nPizza,*2700,2700*\nBank,* 97-70,\n"
    report = import_csv(io.StringIO(text), "IL")
    assert (report.created, report.skipped, report.left_out) == (2, [], [])
    assert numbers_of("Pizza") == [("", "*2700")]  # "2700*" is the same number, kept once
    bank = PhoneNumber.objects.get(contact__name="Bank")
    assert (bank.number, bank.shown, bank.for_voicenter) == ("*9770", "*9770", "*9770")


def test_a_star_with_too_few_or_too_many_digits_is_not_a_star_number():
    text = "name,phone,mobile\nPizza,*270,*27000\n"
    report = import_csv(io.StringIO(text), "IL")
    assert report.created == 0
    assert len(report.left_out) == 2


# --- Hebrew headers ------------------------------------------------------------------------


def test_hebrew_headers_are_read_as_the_english_ones():
    text = "שם,טלפון,טלפון נייד,חברה,הערות\nשרה כהן,03-555-1234,050-723-4567,מוקד 2,בבוקר\n"
    report = import_csv(io.StringIO(text), "IL")
    assert report.created == 1
    sara = Contact.objects.get()
    assert (sara.name, sara.company, sara.notes) == ("שרה כהן", "מוקד 2", "בבוקר")
    # the plain phone has no label, as "phone" has none; another's header is its label
    assert numbers_of("שרה כהן") == [("", "+97235551234"), ("טלפון נייד", "+972507234567")]


@pytest.mark.parametrize(
    ("header", "label"),
    [("נייד", "נייד"), ("פלאפון", "פלאפון"), ("טלפון_נייד", "טלפון נייד"), ("Mobile", "mobile")],
)
def test_a_hebrew_mobile_column_is_a_phone_column_labelled_by_its_header(header, label):
    text = f"שם,{header}\nשרה,050-723-4567\n"
    assert import_csv(io.StringIO(text), "IL").created == 1
    assert numbers_of("שרה") == [(label, "+972507234567")]


def test_a_file_in_hebrew_without_a_name_column_is_refused_in_words_naming_it():
    with pytest.raises(importing.BadFile, match="'שם'"):
        import_csv(io.StringIO("טלפון,חברה\n050-723-4567,x\n"), "IL")


def test_a_bad_number_under_a_hebrew_header_is_reported_with_it():
    text = "שם,טלפון,נייד\nשרה,050-723-4567,050-123\n"
    report = import_csv(io.StringIO(text), "IL")
    assert report.left_out[0].startswith("line 2, column “\u2068נייד\u2069”:")
