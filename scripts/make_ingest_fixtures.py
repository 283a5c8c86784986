#!/usr/bin/env python3
"""Dev-only: writes the small committed test inputs in tests/data/ingest/.

Uses only the standard library (the PDF is written by hand, the DOCX is a zip of hand-written XML), so
it runs with any Python 3:  python3 scripts/make_ingest_fixtures.py
The outputs are committed; the product never runs this.
"""
import os
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "ingest")


def write(name, data):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")


def pdf_escape(s):
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages, title):
    """A minimal PDF 1.4: one Helvetica font, one content stream per page, a correct xref table."""
    objects = []  # object bodies, 1-based ids

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    pages_id = add(None)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    info = add(b"<< /Title (" + pdf_escape(title).encode() + b") /Author (hayloft tests) >>")
    page_ids = []
    for lines in pages:
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            ops.append(f"({pdf_escape(line)}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        content = add(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
        page_ids.append(add(
            f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R >>".encode()))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode()
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    objects[pages_id - 1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(page_ids)} >>".encode()

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_paragraph(text, style=None):
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    runs = []
    for i, part in enumerate(text.split("\t")):
        if i:
            runs.append("<w:r><w:tab/></w:r>")
        runs.append(f'<w:r><w:t xml:space="preserve">{part}</w:t></w:r>')
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def make_docx(path, paragraphs, title, author, compress=zipfile.ZIP_DEFLATED, out_dir=OUT):
    body = "".join(docx_paragraph(t, s) for s, t in paragraphs)
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {W}><w:body>{body}'
                '<w:sectPr/></w:body></w:document>')
    # "Berschrift1"-style localised ids exist in the wild; map one through its name to test styles.xml.
    styles = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles {W}>'
              '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="Ueberschrift2"><w:name w:val="heading 2"/></w:style>'
              '</w:styles>')
    core = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>{title}</dc:title><dc:creator>{author}</dc:creator>'
            '<dcterms:created xsi:type="dcterms:W3CDTF">2024-05-01T10:00:00Z</dcterms:created>'
            '</cp:coreProperties>')
    content_types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                     '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                     '<Default Extension="xml" ContentType="application/xml"/>'
                     '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                     'officedocument.wordprocessingml.document.main+xml"/>'
                     '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-'
                     'officedocument.wordprocessingml.styles+xml"/>'
                     '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
                     'package.core-properties+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/></Relationships>')
    doc_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/styles" Target="styles.xml"/></Relationships>')
    full = os.path.join(out_dir, path)
    with zipfile.ZipFile(full, "w", compress) as z:
        for name, data in [("[Content_Types].xml", content_types), ("_rels/.rels", rels),
                           ("word/document.xml", document), ("word/_rels/document.xml.rels", doc_rels),
                           ("word/styles.xml", styles), ("docProps/core.xml", core)]:
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 10, 0, 0))  # fixed: reproducible bytes
            info.compress_type = compress
            z.writestr(info, data)
    print(f"{path}: {os.path.getsize(full)} bytes")


MEMO = [
    ("Title", "Hayloft Memo"),
    (None, "This memo describes the barn."),
    ("Heading1", "Structure"),
    (None, "The barn has two floors.\tThe upper floor stores hay."),
    ("Ueberschrift2", "Roof"),
    (None, "The roof is made of cedar shingles &amp; copper flashing."),
    ("Heading1", "Animals"),
    (None, "Three horses and a goat live here."),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    write("report.pdf", make_pdf([
        ["Quarterly Report", "The harvest of 2023 was the largest on record.",
         "Barley yields rose by twelve percent over the year before."],
        ["Storage", "The new hayloft holds four hundred bales.",
         "It was finished in March, two weeks early."],
        ["Outlook", "Rain in spring decides the next harvest."],
    ], "Farm Report 2023"))
    write("corrupt.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\nthis is not a pdf body\n"
          + bytes(range(256)) * 4)
    make_docx("memo.docx", MEMO, "Barn Memo", "Ada Farmer")
    # Fuzz seed with stored (uncompressed) entries, so that mutations reach the XML parser.
    fuzz_dir = os.path.join(OUT, "..", "..", "fuzz", "corpus", "docx")
    make_docx("memo_stored.docx", MEMO, "Barn Memo", "Ada Farmer", zipfile.ZIP_STORED, fuzz_dir)
    write("latin1.txt", "Caf\u00e9 cr\u00e8me \u00e0 la fran\u00e7aise, na\u00efve \u2014 \u201cquoted\u201d.\n"
          "Second line with \u00fcmlaut.\n".encode("cp1252"))
    text16 = "Hello UTF-16 world.\nSecond line: caf\u00e9 \U0001F600.\n"
    write("utf16le.txt", b"\xff\xfe" + text16.encode("utf-16-le"))
    write("utf16be.txt", b"\xfe\xff" + text16.encode("utf-16-be"))
    write("utf8bom.txt", b"\xef\xbb\xbf" + "BOM text: na\u00efve.\n".encode())
    # Not UTF-8, and 0x81/0x8D are undefined in Windows-1252: must be rejected.
    write("invalid_utf8.txt", b"valid start \x81\x8d\xc3\x28 then garbage \xff\xfe\xfd\n")
    write("binary.dat", bytes([0x00, 0x01, 0x02, 0x03]) + b"some text" + bytes(range(0, 40)))
    write("empty.txt", b"")


if __name__ == "__main__":
    main()
