"""Real documents of each supported type, built in the test run (nothing downloaded or checked in)."""

from __future__ import annotations

import io
import re
import zipfile

import docx


def make_pdf(pages: list[list[str]]) -> bytes:
    """A valid PDF, one line of Helvetica text per string, with a correct cross-reference table.

    Written by hand because pypdf can read text but cannot lay it out; the format is simple enough
    for a few text lines (PDF 1.4: catalog, page tree, one font, a page and a content stream per page).
    """
    page_count = len(pages)
    first_page = 4  # objects 1-3: catalog, page tree, font; then a (page, content) pair per page
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(page_count))
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {page_count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        shown = " ".join(f"({_pdf_string(line)}) Tj T*" for line in lines)
        stream = f"BT /F1 11 Tf 14 TL 72 720 Td {shown} ET".encode()
        bodies.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {first_page + 2 * i + 1} 0 R >>".encode()
        )
        bodies.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_docx() -> bytes:
    """A Word document with a title, headings, a bulleted list and a table, as python-docx writes it."""
    document = docx.Document()
    document.add_heading("Gutter Guard Guide", level=0)
    document.add_paragraph("Demo Roofing installs micro-mesh gutter guards on seamless gutters.")
    document.add_heading("Installation", level=1)
    document.add_paragraph("Guards clip under the first shingle course and screw to the gutter lip.")
    document.add_paragraph("No nails through the shingles", style="List Bullet")
    document.add_heading("Pricing", level=2)
    table = document.add_table(rows=2, cols=2)
    prices = [("Micro-mesh guard", "$9 per foot"), ("Downspout screen", "$25 each")]
    for row, (item, price) in zip(table.rows, prices, strict=True):
        row.cells[0].text = item
        row.cells[1].text = price
    document.add_heading("Maintenance", level=1)
    document.add_paragraph("Rinse the mesh with a garden hose once a year.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_long_docx(paragraphs: int, extra_styles: int = 0, merged_rows: int = 0) -> bytes:
    """A Word document written as XML directly (python-docx would take minutes to add this much):
    ``paragraphs`` paragraphs with a heading every hundred, ``extra_styles`` unused paragraph
    styles, and a table whose first column is one cell merged down ``merged_rows`` rows.

    A crafted file of this shape is small (it compresses well) yet made python-docx scan every
    style for every paragraph and walk up the merged column for every row.
    """
    template = io.BytesIO()
    docx.Document().save(template)
    body = []
    for number in range(paragraphs):
        if number % 100 == 0:
            heading = '<w:pPr><w:pStyle w:val="Heading1"/></w:pPr>'
            body.append(f"<w:p>{heading}<w:r><w:t>Part {number // 100}</w:t></w:r></w:p>")
        else:
            body.append(f"<w:p><w:r><w:t>Line {number} of the shingle guide.</w:t></w:r></w:p>")
    if merged_rows:
        merge = ['<w:vMerge w:val="restart"/>', *["<w:vMerge/>"] * (merged_rows - 1)]
        first = ["Gutters", *[""] * (merged_rows - 1)]
        rows = [
            f"<w:tr><w:tc><w:tcPr>{merge[row]}</w:tcPr><w:p><w:r><w:t>{first[row]}</w:t></w:r></w:p></w:tc>"
            f"<w:tc><w:p><w:r><w:t>Row {row}</w:t></w:r></w:p></w:tc></w:tr>"
            for row in range(merged_rows)
        ]
        body.append(f"<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>{''.join(rows)}</w:tbl>")
    styles = "".join(
        f'<w:style w:type="paragraph" w:styleId="Extra{number}"><w:name w:val="Extra {number}"/></w:style>'
        for number in range(extra_styles)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                content = f"<w:body>{''.join(body)}<w:sectPr".encode()
                data = re.sub(rb"<w:body>.*<w:sectPr", content, data, flags=re.S)
            elif item.filename == "word/styles.xml":
                data = data.replace(b"</w:styles>", styles.encode() + b"</w:styles>")
            target.writestr(item, data)
    return out.getvalue()
