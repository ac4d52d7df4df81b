"""Turn an uploaded file into text sections that remember their headings.

Plain text and Markdown are decoded with encoding detection: UTF-8 first, then Windows-1252 for
mostly-English text (contractors' files come out of old Windows tools as often as not), then
whatever charset-normalizer finds. PDFs are read with
pypdf, one section per page so a citation can say which page; DOCX with python-docx's XML layer,
following the document's heading styles and keeping tables as ``cell | cell`` rows.

Parsing is CPU work on untrusted bytes: callers run it in a worker process held to limits
(``kb.workers``). Every step here is linear in the size of the document: python-docx's own
``paragraph.style`` scans every style of the document for each paragraph, and a table cell merged
down a column walks back up the column for each row, so a small crafted file took minutes.
"""

from __future__ import annotations

import io
import re
import string
import zipfile
from pathlib import PurePosixPath, PureWindowsPath

import charset_normalizer
import docx
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import nsmap, qn
from docx.oxml.table import CT_Tbl
from docx.oxml.text.paragraph import CT_P
from docx.styles import BabelFish
from lxml import etree
from pypdf import PasswordType, PdfReader

from kb.errors import DocumentTooLarge, UnreadableDocument, UnsupportedDocumentType
from kb.limits import MAX_DOCUMENT_BYTES, MAX_UNPACKED_BYTES
from kb.models import DocumentKind, Section

_KINDS = {
    ".txt": DocumentKind.TEXT,
    ".text": DocumentKind.TEXT,
    ".md": DocumentKind.MARKDOWN,
    ".markdown": DocumentKind.MARKDOWN,
    ".pdf": DocumentKind.PDF,
    ".docx": DocumentKind.DOCX,
}
SUPPORTED_EXTENSIONS = tuple(sorted(_KINDS))
_MAX_NAME_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKDOWN_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_MARKDOWN_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_DOCX_HEADING = re.compile(r"^Heading (\d)$")
_DOCX_BLOCKS = (qn("w:p"), qn("w:tbl"))
_DOCX_TEXT = etree.XPath(
    " | ".join(
        f"{run}/w:{part}"
        for run in ("w:r", "w:hyperlink/w:r")
        for part in ("br", "cr", "noBreakHyphen", "ptab", "t", "tab")
    ),
    namespaces=nsmap,
)
"""A paragraph's text elements in reading order, as python-docx's ``paragraph.text`` reads them,
compiled once (python-docx compiles its XPath again for every paragraph and every run)."""
_WINDOWS_WESTERN = "cp1252"
_ASCII = bytes(range(128))
_ASCII_LETTERS = string.ascii_letters.encode()


def clean_filename(filename: str) -> str:
    """The file's own name, without any directory part or control characters, cut to a sane length."""
    name = PureWindowsPath(PurePosixPath(filename).name).name
    name = _CONTROL.sub("", name).strip()
    if len(name) > _MAX_NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        name = f"{stem[: _MAX_NAME_CHARS - len(extension) - 1]}{dot}{extension}"
    return name


def check_upload(filename: str, size: int) -> DocumentKind:
    """Refuse what we can tell is wrong from the name and size alone, before reading the bytes."""
    name = clean_filename(filename)
    extension = PurePosixPath(name.lower()).suffix
    kind = _KINDS.get(extension)
    if kind is None:
        found = f"'{extension}' files" if extension else "files without an extension"
        hint = " Save Word .doc files as .docx." if extension == ".doc" else ""
        raise UnsupportedDocumentType(
            f"{name or 'the file'}: {found} are not supported; upload a .txt, .md, .pdf or .docx file "
            f"(export other formats to PDF first).{hint}"
        )
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(
            f"{name} is {size / 1_048_576:.1f} MB; the limit is {MAX_DOCUMENT_BYTES // 1_048_576} MB. "
            "Split it into smaller documents (for example one per chapter)."
        )
    if size == 0:
        raise UnreadableDocument(f"{name} is empty; upload the file again.")
    return kind


def parse_document(filename: str, data: bytes) -> list[Section]:
    """The document's non-empty sections; raises a ``KnowledgeError`` saying what to fix."""
    name = clean_filename(filename)
    kind = check_upload(name, len(data))
    if kind is DocumentKind.PDF:
        sections = _pdf_sections(name, data)
    elif kind is DocumentKind.DOCX:
        sections = _docx_sections(name, data)
    elif kind is DocumentKind.MARKDOWN:
        sections = _markdown_sections(_decode_text(name, data))
    else:
        sections = [Section((), _normalize_text(_decode_text(name, data)))]
    sections = [section for section in sections if section.text]
    if not sections:
        scanned = " If it is a scanned PDF, run it through OCR first." if kind is DocumentKind.PDF else ""
        raise UnreadableDocument(f"{name} contains no text we can read.{scanned}")
    return sections


def _decode_text(name: str, data: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), else Windows-1252 for English text written by
    US Windows tools, else whatever encoding charset-normalizer finds."""
    text = _utf8(data) or _windows_western(data) or _detected(data)
    if not text or "\x00" in text:
        raise UnreadableDocument(
            f"{name} does not look like a text file (unknown encoding or binary content); "
            "save it as UTF-8 text and upload it again."
        )
    return text


def _utf8(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return text if "\x00" not in text else None  # NULs in "valid UTF-8": UTF-16 without a BOM, or binary


def _windows_western(data: bytes) -> str | None:
    """Windows-1252 when the bytes are mostly ASCII letters (at most one other byte per five), as in
    English with curly quotes, dashes, accents or degree signs. charset-normalizer often reads such
    text as a Baltic or Central European code page: a few special characters are too little to go on."""
    if b"\x00" in data:
        return None
    try:
        text = data.decode(_WINDOWS_WESTERN)
    except UnicodeDecodeError:
        return None
    ascii_letters = len(data) - len(data.translate(None, _ASCII_LETTERS))
    others = len(data.translate(None, _ASCII))
    return text if others <= ascii_letters // 5 else None


def _detected(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else None


def _normalize_text(text: str) -> str:
    """Unix newlines, no trailing spaces, no control characters, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\u00a0", " ")
    text = _CONTROL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class _Outline:
    """Collects body text under the current heading path as headings come and go."""

    def __init__(self, separator: str) -> None:
        self._separator = separator
        self._path: list[tuple[int, str]] = []
        self._body: list[str] = []
        self._sections: list[Section] = []

    def heading(self, level: int, title: str) -> None:
        self._flush()
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self._path.append((level, title))

    def add(self, text: str) -> None:
        self._body.append(text)

    def sections(self) -> list[Section]:
        self._flush()
        return self._sections

    def _flush(self) -> None:
        text = _normalize_text(self._separator.join(self._body))
        if text:
            self._sections.append(Section(tuple(title for _, title in self._path), text))
        self._body = []


def _markdown_sections(text: str) -> list[Section]:
    outline = _Outline("\n")
    fence: str | None = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        fence_match = _MARKDOWN_FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)[0]
            fence = marker if fence is None else (None if marker == fence else fence)
        heading = None if fence else _MARKDOWN_HEADING.match(line)
        title = heading.group(2).strip("*_` ") if heading else ""
        if heading and title:
            outline.heading(len(heading.group(1)), title)
        else:
            outline.add(line)
    return outline.sections()


def _pdf_sections(name: str, data: bytes) -> list[Section]:
    try:
        reader = PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED
        pages = [] if locked else [page.extract_text() for page in reader.pages]
    except Exception as error:  # pypdf raises many types on damaged files; all mean the same to the user
        raise UnreadableDocument(
            f"{name} could not be read as a PDF ({error}); check that it opens, then export it again."
        ) from error
    if locked:
        raise UnreadableDocument(f"{name} is password-protected; upload a copy without a password.")
    return [Section((f"Page {number}",), _normalize_text(text)) for number, text in enumerate(pages, 1)]


def _docx_sections(name: str, data: bytes) -> list[Section]:
    if _unpacked_size(name, data) > MAX_UNPACKED_BYTES:
        raise DocumentTooLarge(
            f"{name} unpacks to more than {MAX_UNPACKED_BYTES // 1_048_576} MB; split it into smaller files."
        )
    try:
        document = docx.Document(io.BytesIO(data))
        styles = _ParagraphStyles(document)
    except Exception as error:  # python-docx raises many types on damaged files
        raise _not_word(name, error) from error
    outline = _Outline("\n\n")
    for block in document.element.body.iterchildren(*_DOCX_BLOCKS):
        if isinstance(block, CT_Tbl):
            outline.add(_table_text(block))
        elif isinstance(block, CT_P):
            _add_paragraph(outline, block, styles)
    return outline.sections()


class _ParagraphStyles:
    """Paragraph style names by style id, read once: the same answers as python-docx's
    ``paragraph.style.name`` (an unknown id, or none, means the default paragraph style), without
    its scan of every style per paragraph."""

    def __init__(self, document: WordDocument) -> None:
        self._names: dict[str, str] = {}
        self._default = ""
        for style in document.styles.element.style_lst:
            if style.type != WD_STYLE_TYPE.PARAGRAPH:
                continue
            name = BabelFish.internal2ui(style.name_val or "")
            if style.styleId is not None:
                self._names.setdefault(style.styleId, name)  # the first of a repeated id wins
            if style.default:
                self._default = name  # the last default wins

    def name(self, style_id: str | None) -> str:
        found = self._names.get(style_id) if style_id is not None else None
        return self._default if found is None else found


def _unpacked_size(name: str, data: bytes) -> int:
    """What the DOCX (a zip) would take once unpacked, read from its directory without unpacking."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as error:
        raise _not_word(name, error) from error


def _not_word(name: str, error: Exception) -> UnreadableDocument:
    return UnreadableDocument(
        f"{name} could not be read as a Word document ({error}); open it in Word and save it as .docx."
    )


def _add_paragraph(outline: _Outline, paragraph: CT_P, styles: _ParagraphStyles) -> None:
    text = _paragraph_text(paragraph).strip()
    style = styles.name(paragraph.style)
    heading = _DOCX_HEADING.match(style)
    if text and (heading or style == "Title"):
        outline.heading(int(heading.group(1)) if heading else 0, text)
    elif text:
        outline.add(f"- {text}" if style.startswith("List") else text)


def _paragraph_text(paragraph: CT_P) -> str:
    return "".join(str(element) for element in _DOCX_TEXT(paragraph))


def _table_text(table: CT_Tbl) -> str:
    """One line per row; a cell merged across columns is written once, a cell merged down a column
    is repeated in each of its rows (its text is remembered per column, not looked up again)."""
    lines = []
    above: dict[int, str] = {}  # grid column -> text of the cell starting there in the row above
    for row in table.tr_lst:
        texts, current, column = [], {}, row.grid_before
        for cell in row.tc_lst:
            if cell.vMerge == "continue":
                text = above.get(column, "")
            else:
                text = " ".join("\n".join(_paragraph_text(paragraph) for paragraph in cell.p_lst).split())
            texts.append(text)
            current[column] = text
            column += cell.grid_span
        lines.append(" | ".join(texts))
        above = current
    return "\n".join(lines)
