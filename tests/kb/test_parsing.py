"""Reading each file type, finding the encoding of old text files, and refusing what we cannot read."""

import io
import zipfile

import pytest
from pypdf import PdfWriter

from kb import MAX_DOCUMENT_BYTES, DocumentTooLarge, UnreadableDocument, UnsupportedDocumentType, check_upload
from kb.limits import MAX_UNPACKED_BYTES
from kb.models import DocumentKind, Section
from kb.parsing import clean_filename, parse_document
from testkit.documents import make_docx, make_pdf

WINDOWS_TEXT = (
    "Our “Premium” line comes with a naïve-proof 50-year warranty — café owners and résumé writers "
    "alike choose it. Install above 40°F; use ½-inch nails. © Demo Roofing®, 450 € per square.\n"
)


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-16", "utf-8-sig", "utf-8"])
def test_text_encodings_are_detected(encoding):
    text = WINDOWS_TEXT
    if encoding == "latin-1":  # no curly quotes, dashes or euro sign in Latin-1
        text = text.replace("“", '"').replace("”", '"').replace("—", "-").replace("€", "EUR")
    [section] = parse_document("notes.txt", text.encode(encoding))
    assert section == Section((), text.strip())


def test_binary_renamed_to_txt_is_refused_with_advice():
    with pytest.raises(UnreadableDocument, match="save it as UTF-8 text"):
        parse_document("photo.txt", bytes(range(256)) * 40)


def test_pdf_text_is_read_page_by_page():
    data = make_pdf([["Storm claims (hail and wind)", "Call within one year."], ["Page two: deductibles."]])
    assert parse_document("claims.pdf", data) == [
        Section(("Page 1",), "Storm claims (hail and wind)\nCall within one year."),
        Section(("Page 2",), "Page two: deductibles."),
    ]


def test_password_protected_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UnreadableDocument, match="password-protected"):
        parse_document("locked.pdf", buffer.getvalue())


def test_pdf_without_text_suggests_ocr():
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UnreadableDocument, match="OCR"):
        parse_document("scan.pdf", buffer.getvalue())


def test_docx_follows_heading_styles_lists_and_tables():
    assert parse_document("guards.docx", make_docx()) == [
        Section(
            ("Gutter Guard Guide",), "Demo Roofing installs micro-mesh gutter guards on seamless gutters."
        ),
        Section(
            ("Gutter Guard Guide", "Installation"),
            "Guards clip under the first shingle course and screw to the gutter lip.\n\n"
            "- No nails through the shingles",
        ),
        Section(
            ("Gutter Guard Guide", "Installation", "Pricing"),
            "Micro-mesh guard | $9 per foot\nDownspout screen | $25 each",
        ),
        Section(("Gutter Guard Guide", "Maintenance"), "Rinse the mesh with a garden hose once a year."),
    ]


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("broken.pdf", b"%PDF-1.4\nthis is not really a pdf", "could not be read as a PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip", "could not be read as a Word document"),
        ("blank.md", b"\n\n   \n", "contains no text"),
    ],
)
def test_damaged_or_empty_files_are_refused(filename, data, message):
    with pytest.raises(UnreadableDocument, match=message):
        parse_document(filename, data)


def test_docx_that_unpacks_past_the_limit_is_refused_before_parsing():
    buffer = io.BytesIO()
    block = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w") as member,
    ):
        for _ in range(MAX_UNPACKED_BYTES // len(block) + 1):
            member.write(block)
    assert len(buffer.getvalue()) < MAX_DOCUMENT_BYTES
    with pytest.raises(DocumentTooLarge, match="unpacks to more than"):
        parse_document("bomb.docx", buffer.getvalue())


@pytest.mark.parametrize(
    ("filename", "message"),
    [
        ("prices.xlsx", "'.xlsx' files are not supported"),
        ("old.doc", "Save Word .doc files as .docx"),
        ("README", "files without an extension are not supported"),
    ],
)
def test_unsupported_types_name_what_is_supported(filename, message):
    with pytest.raises(UnsupportedDocumentType, match=message) as raised:
        check_upload(filename, 100)
    assert "upload a .txt, .md, .pdf or .docx file" in str(raised.value)


def test_size_limits_are_checked_from_the_size_alone():
    assert check_upload("Manual.PDF", MAX_DOCUMENT_BYTES) is DocumentKind.PDF
    with pytest.raises(DocumentTooLarge, match="limit is 10 MB"):
        check_upload("manual.pdf", MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(UnreadableDocument, match="empty"):
        check_upload("notes.md", 0)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\dana\\Desktop\\warranty.md", "warranty.md"),
        ("  price\x00 sheet.pdf ", "price sheet.pdf"),
        ("a" * 300 + ".docx", "a" * 195 + ".docx"),
    ],
)
def test_filenames_lose_directories_and_control_characters(raw, clean):
    assert clean_filename(raw) == clean
