"""Hostile ZIP files for tests, built byte by byte so that every header can lie.

`raw_zip` writes local headers, data, central directory and end record exactly as told; `deflated`
and `zeros_stream` give real deflate streams. `HOSTILE_UPLOADS` are the files every upload path must
refuse with a form error or a 400, writing nothing (see docs/security.md, "Uploads").
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

DOCX_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
XLSX_CONTENT_TYPES = (
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
DOCUMENT_XML = (
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
)
MIB = 1024 * 1024


@dataclass
class RawEntry:
    name: str
    data: bytes  # as stored in the archive (deflated when method is 8)
    size: int  # the unpacked size the headers declare
    crc: int
    method: int = 8
    flags: int = 0
    external_attr: int = 0


def deflated(content: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(content) + packer.flush()


def zeros_stream(mib: int) -> bytes:
    """A deflate stream of `mib` MiB of zeros, about 1 KB per MiB, built without compressing them all.

    One MiB is compressed up to a full flush (which forgets the past), so that piece can be repeated;
    an empty final block closes the stream.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    piece = packer.compress(b"\0" * MIB) + packer.flush(zlib.Z_FULL_FLUSH)
    return piece * mib + b"\x03\x00"


def entry(name: str, content: bytes, *, method: int = 8, **overrides: int) -> RawEntry:
    data = deflated(content) if method == 8 else content
    values = {"size": len(content), "crc": zlib.crc32(content), **overrides}
    return RawEntry(name=name, data=data, method=method, **values)  # type: ignore[arg-type]


def raw_zip(
    entries: list[RawEntry],
    *,
    prefix: bytes = b"",
    between: bytes = b"",
    offsets: list[int] | None = None,
    comment: bytes = b"",
) -> bytes:
    """A ZIP of `entries`; `between` goes after each item's data, `offsets` overrides the
    central directory's pointers to the local headers."""
    body = bytearray(prefix)
    central = bytearray()
    for index, item in enumerate(entries):
        name = item.name.encode()
        flags = item.flags | 0x800
        offset = len(body)
        body += struct.pack(
            "<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, flags, item.method, 0, 0x21,
            item.crc, len(item.data), item.size, len(name), 0,
        )  # fmt: skip
        body += name + item.data + between
        pointer = offsets[index] if offsets else offset
        central += struct.pack(
            "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, flags, item.method, 0, 0x21,
            item.crc, len(item.data), item.size, len(name), 0, 0, 0, 0, item.external_attr,
            pointer,
        )  # fmt: skip
        central += name
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(body),
        len(comment),
    )  # fmt: skip
    return bytes(body + central + end + comment)


def docx(*extra: RawEntry, content_types: bytes = DOCX_CONTENT_TYPES) -> bytes:
    return raw_zip(
        [
            entry("[Content_Types].xml", content_types),
            entry("word/document.xml", DOCUMENT_XML),
            *extra,
        ]
    )


def bomb_docx(gib: int = 1) -> bytes:
    """About 1 MB per GiB: a DOCX whose one big part declares, honestly, `gib` GiB of zeros."""
    stream = zeros_stream(1024 * gib)
    return raw_zip(
        [
            entry("[Content_Types].xml", DOCX_CONTENT_TYPES),
            RawEntry("word/document.xml", stream, size=1024 * gib * MIB, crc=0),
        ]
    )


def lying_docx(mib: int = 64, declared: int = 1000) -> bytes:
    """A DOCX whose part declares `declared` bytes (with their CRC) but inflates to `mib` MiB."""
    return raw_zip(
        [
            entry("[Content_Types].xml", DOCX_CONTENT_TYPES),
            RawEntry(
                "word/document.xml", zeros_stream(mib), size=declared,
                crc=zlib.crc32(b"\0" * declared),
            ),
        ]
    )  # fmt: skip


PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

# What every upload path must refuse: name -> content.
HOSTILE_UPLOADS: dict[str, bytes] = {
    "bomb.docx": bomb_docx(),
    "lying.docx": lying_docx(),
    "nested.docx": docx(entry("word/media/more.zip", raw_zip([entry("a.txt", b"a")]))),
    "traversal.docx": docx(entry("../../../etc/cron.d/x", b"* * * * * root sh")),
    "polyglot.pdf": PDF + docx(),
}
