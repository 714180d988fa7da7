"""Inspection of ZIP-based uploads (OOXML, ODF, plain ZIP) without ever unpacking them whole.

`inspect_zip` reads the central directory, bounds what the archive declares (number of items, total
uncompressed size, compression ratio), then walks every item once, in file order, decompressing it
in small chunks that are counted and thrown away: an item that inflates past its declared size is
stopped there, so a file whose recorded sizes lie never costs more than the limits. Along the way
it refuses what an honest office document never holds: encryption, compression methods other than
stored/deflate, unsafe or duplicate item names, symbolic links, bytes outside the items (where a
second file hides in a polyglot), nested archives, macros. The type comes from the content:
`[Content_Types].xml` for Office Open XML, the `mimetype` item for OpenDocument, else a ZIP.

Every refusal is a ValidationError with a code (see docs/security.md, "Uploads"); nothing here
writes anything.
"""

from __future__ import annotations

import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ZIP_MIME = "application/zip"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
CHUNK_SIZE = 64 * 1024
HEAD_BYTES = 512  # what is kept of each item to recognise an archive inside
CONTENT_TYPES_MAX_BYTES = 1024 * 1024  # an OOXML [Content_Types].xml is a few KB
ODF_MIMETYPE_MAX_BYTES = 256
RATIO_FLOOR_BYTES = 1024 * 1024  # below this much unpacked, any ratio is harmless
COMMENT_MAX_BYTES = 1024
PDF_HEADER_WINDOW = 1024  # PDF readers look for %PDF- this far into a file

_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # APPNOTE 4.3.7, as zipfile.structFileHeader
_ENCRYPTED = 0x01
_DATA_DESCRIPTOR = 0x08
_STRONG_ENCRYPTION = 0x40
_UTF8_NAMES = 0x800
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # all that OOXML and ODF use

# Leading bytes of archives and compressed streams; a ZIP inside an office document is inspected.
_ARCHIVE_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"MSCF", "CAB"),
)
_OOXML_MACRO_MAINS = {
    "application/vnd.ms-word.document.macroenabled.main+xml",
    "application/vnd.ms-word.template.macroenabledtemplate.main+xml",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml",
    "application/vnd.ms-excel.template.macroenabled.main+xml",
    "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml",
    "application/vnd.ms-powerpoint.slideshow.macroenabled.main+xml",
}
_OOXML_BINARY_SHEET_MAIN = "application/vnd.ms-excel.sheet.binary.macroenabled.main"


@dataclass
class _Budget:
    """Unpacked bytes still allowed, shared by an archive and the ones inside it."""

    left: int

    def spend(self, amount: int) -> None:
        self.left -= amount
        if self.left < 0:
            raise _too_large()


@dataclass
class _Walk:
    names: set[str] = field(default_factory=set)
    content_types: bytes | None = None
    odf_mimetype: bytes | None = None
    nested: list[tuple[str, Any]] = field(default_factory=list)  # (name, spool) of inner ZIPs
    has_macros: bool = False


# --- errors --------------------------------------------------------------------------------------
def _error(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _invalid() -> ValidationError:
    return _error(_("The file is damaged or is not a valid archive."), "invalid_archive")


def _inconsistent() -> ValidationError:
    return _error(
        _("The sizes recorded inside the file do not match its content; it cannot be accepted."),
        "archive_inconsistent",
    )


def _too_large() -> ValidationError:
    limit = filesizeformat(settings.DOCUMENT_ARCHIVE_MAX_UNPACKED_BYTES)
    return _error(
        _("The file unpacks to more than %(limit)s; it cannot be accepted.") % {"limit": limit},
        "archive_too_large",
    )


def _unsafe_name(name: str) -> ValidationError:
    return _error(
        _("The file holds an item with an unsafe or repeated name (%(name)s).")
        % {"name": name[:80]},
        "archive_unsafe_name",
    )


def _nested(name: str) -> ValidationError:
    return _error(
        _("The file holds another archive (%(name)s); attach the documents themselves.")
        % {"name": name[:80]},
        "archive_nested",
    )


def polyglot_error(detected: str) -> ValidationError:
    return _error(
        _(
            "The file is at the same time %(detected)s and a ZIP archive; "
            "files that are two things at once are not accepted."
        )
        % {"detected": detected},
        "polyglot",
    )


# --- names ---------------------------------------------------------------------------------------
def _check_name(name: str, seen: set[str]) -> str:
    """The item's name with `/` separators; refused when it could escape the folder it unpacks in."""
    normal = name.replace("\\", "/")
    parts = normal.split("/")
    unsafe = (
        not normal
        or normal.startswith("/")
        or (len(normal) > 1 and normal[1] == ":")  # C:..., a drive
        or any(part == ".." for part in parts)
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in normal)
    )
    if unsafe or normal.lower() in seen:
        raise _unsafe_name(name)
    seen.add(normal.lower())
    return normal


# --- reading one item, bounded -------------------------------------------------------------------
def _data_start(handle: IO[bytes], info: zipfile.ZipInfo) -> int:
    """Where the item's data begins; its local header must agree with the central directory."""
    handle.seek(info.header_offset)
    header = handle.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise _inconsistent()
    (signature, _v, _s, flags, method, _t, _d, _crc, _cs, _fs, name_length, extra_length) = (
        _LOCAL_HEADER.unpack(header)
    )
    if signature != b"PK\x03\x04" or method != info.compress_type:
        raise _inconsistent()
    if flags & (_ENCRYPTED | _STRONG_ENCRYPTION):
        raise _encrypted()
    raw_name = handle.read(name_length)
    encoding = "utf-8" if flags & _UTF8_NAMES else "cp437"
    if raw_name.decode(encoding, errors="replace") != info.orig_filename:
        raise _inconsistent()
    return info.header_offset + _LOCAL_HEADER.size + name_length + extra_length


def _encrypted() -> ValidationError:
    return _error(
        _("The file is password-protected; upload it without the protection."), "encrypted"
    )


def _item_chunks(handle: IO[bytes], info: zipfile.ZipInfo, start: int) -> Iterator[bytes]:
    """The item's unpacked bytes, in chunks; never more than it declares, and checked by CRC.

    Compressed input is read only up to the declared compressed size and output stops as soon as it
    passes the declared size, so a lying header costs at most one chunk more than it declared.
    """
    handle.seek(start)
    compressed_left = info.compress_size
    produced = 0
    crc = 0
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type else None
    while compressed_left > 0:
        raw = handle.read(min(CHUNK_SIZE, compressed_left))
        if not raw:
            raise _inconsistent()
        compressed_left -= len(raw)
        pending = raw
        while True:
            if inflater is None:
                out, pending = pending, b""
            else:
                try:
                    out = inflater.decompress(pending, CHUNK_SIZE)
                except zlib.error as exc:
                    raise _invalid() from exc
                pending = inflater.unconsumed_tail
            produced += len(out)
            if produced > info.file_size:
                raise _inconsistent()
            crc = zlib.crc32(out, crc)
            if out:
                yield out
            if not pending and (inflater is None or len(out) < CHUNK_SIZE or inflater.eof):
                break
        if inflater is not None and inflater.eof:
            break
    if inflater is not None and (not inflater.eof or inflater.unused_data or compressed_left):
        raise _inconsistent()  # a cut stream, or compressed bytes hidden after its end
    if produced != info.file_size or crc != info.CRC:
        raise _inconsistent()


def _entry_end(handle: IO[bytes], info: zipfile.ZipInfo, start: int) -> int:
    """Where the item ends: its data plus the data descriptor that may follow it."""
    end = start + info.compress_size
    if info.flag_bits & _DATA_DESCRIPTOR:
        handle.seek(end)
        end += 16 if handle.read(4) == b"PK\x07\x08" else 12
    return end


# --- the archive ---------------------------------------------------------------------------------
_MALFORMED = (
    zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, struct.error,
    OverflowError, NotImplementedError, zlib.error,
)  # fmt: skip


def _open(handle: IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(handle)  # reads the central directory only
    except _MALFORMED as exc:
        raise _invalid() from exc


def _check_declared(archive: zipfile.ZipFile, size: int, budget: _Budget) -> list[zipfile.ZipInfo]:
    """The limits on what the central directory says, before a byte is unpacked."""
    infos = archive.infolist()
    if len(infos) > settings.DOCUMENT_ARCHIVE_MAX_ENTRIES:
        raise _error(
            _("The file holds more than %(limit)d items; it cannot be accepted.")
            % {"limit": settings.DOCUMENT_ARCHIVE_MAX_ENTRIES},
            "archive_too_many_entries",
        )
    if len(archive.comment) > COMMENT_MAX_BYTES:
        raise _hidden_data()
    unpacked = 0
    for info in infos:
        if info.flag_bits & (_ENCRYPTED | _STRONG_ENCRYPTION):
            raise _encrypted()
        if info.compress_type not in _METHODS:
            raise _error(
                _("The file uses a compression method that is not accepted."),
                "archive_compression_method",
            )
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            raise _inconsistent()
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _unsafe_name(info.orig_filename)
        unpacked += info.file_size
    budget.spend(unpacked)
    ratio = settings.DOCUMENT_ARCHIVE_MAX_RATIO
    if unpacked > RATIO_FLOOR_BYTES and unpacked > ratio * size:
        raise _error(
            _(
                "The file is compressed %(ratio)d to 1, more than the %(limit)d to 1 allowed; "
                "it looks like a decompression bomb."
            )
            % {"ratio": unpacked // max(size, 1), "limit": ratio},
            "archive_ratio",
        )
    return sorted(infos, key=lambda info: info.header_offset)


def _hidden_data() -> ValidationError:
    return _error(
        _("The file holds data outside the items of its archive; it cannot be accepted."),
        "archive_hidden_data",
    )


def _spool() -> Any:
    return tempfile.SpooledTemporaryFile(  # closed by _inspect
        max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
    )


def _walk(
    handle: IO[bytes], archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], walk: _Walk
) -> None:
    """Read every item once, in file order, keeping only what the type decision needs."""
    cursor = 0
    for info in infos:
        name = _check_name(info.orig_filename, walk.names)
        if info.header_offset != cursor:
            raise _hidden_data()  # a gap (another file hides there) or an overlap (a bomb)
        start = _data_start(handle, info)
        lower = name.lower()
        if lower.rsplit("/", 1)[-1] == "vbaproject.bin" or _is_odf_macro(lower):
            walk.has_macros = True
        keep = {"[content_types].xml": CONTENT_TYPES_MAX_BYTES, "mimetype": ODF_MIMETYPE_MAX_BYTES}
        keep_at_most = keep.get(lower, 0)
        kept = bytearray()
        head: bytearray | None = (
            bytearray()
        )  # every byte until the item is known to be, or not to be, an archive
        inner = None
        for chunk in _item_chunks(handle, info, start):
            if head is not None:
                head += chunk
                if len(head) < min(HEAD_BYTES, info.file_size):
                    continue
                kind = _archive_kind(bytes(head[:HEAD_BYTES]))
                if kind == "ZIP":
                    inner = _spool()
                    walk.nested.append((name, inner))  # closed by _inspect, whatever happens
                elif kind:
                    raise _nested(name)
                chunk, head = bytes(head), None
            if inner is not None:
                inner.write(chunk)
            if keep_at_most:
                kept += chunk
                if len(kept) > keep_at_most:
                    raise _invalid()
        if lower == "[content_types].xml":
            walk.content_types = bytes(kept)
        elif lower == "mimetype":
            walk.odf_mimetype = bytes(kept)
        cursor = _entry_end(handle, info, start)
    if cursor != archive.start_dir:
        raise _hidden_data()


def _is_odf_macro(lower_name: str) -> bool:
    """A Basic module or a script in an OpenDocument package (not the empty library lists)."""
    folder, _, leaf = lower_name.partition("/")
    if folder not in {"basic", "scripts"} or not leaf or leaf.endswith("/"):
        return False
    return leaf not in {"script-lc.xml", "dialog-lc.xml"}


def _archive_kind(head: bytes) -> str | None:
    """The kind of archive or compressed stream these leading bytes start, if any."""
    if head.startswith(ZIP_SIGNATURES):
        return "ZIP"
    for magic, label in _ARCHIVE_MAGIC:
        if head.startswith(magic):
            return label
    if head.startswith(b"BZh") and head[3:4].isdigit():
        return "bzip2"
    if head[257:262] == b"ustar":
        return "tar"
    return None


def _ooxml_type(content_types: bytes, names: set[str]) -> str:
    """The package's type from the one `*.main+xml` part that [Content_Types].xml declares."""
    try:
        root = SafeET.fromstring(content_types)
    except Exception as exc:  # defusedxml's refusals and every parse error alike
        raise _invalid() from exc
    mains = set()
    for element in root:
        content_type = (element.get("ContentType") or "").strip().lower()
        if not content_type.endswith(".main+xml") and content_type != _OOXML_BINARY_SHEET_MAIN:
            continue
        part = (element.get("PartName") or "").lstrip("/").lower()
        if element.tag.endswith("Override") and part not in names:
            raise _inconsistent()  # it names a main part that is not there
        mains.add(content_type)
    if len(mains) != 1:
        raise _error(
            _("The file is an Office Open XML package of an unknown kind."), "archive_unknown"
        )
    main = mains.pop()
    if main in _OOXML_MACRO_MAINS or main == _OOXML_BINARY_SHEET_MAIN:
        raise _macros()
    return main.removesuffix(".main+xml")


def _macros() -> ValidationError:
    return _error(
        _("The file contains macros, which are not accepted; save it without macros."), "macros"
    )


def _odf_type(raw: bytes) -> str:
    value = raw.decode("ascii", errors="replace").strip().lower()
    if not value.startswith("application/vnd.oasis.opendocument.") or not value.isprintable():
        raise _error(
            _("The file is an OpenDocument package of an unknown kind."), "archive_unknown"
        )
    return value


def inspect_zip(handle: IO[bytes], *, size: int) -> str:
    """The MIME type of a ZIP-based file, after checking it is safe to open; ValidationError if not.

    `handle` is seekable and holds the whole upload; it is read, never written, and left at 0.
    """
    budget = _Budget(settings.DOCUMENT_ARCHIVE_MAX_UNPACKED_BYTES)
    try:
        return _inspect(handle, size=size, budget=budget, depth=0)
    except _MALFORMED as exc:  # what a garbled header makes the readers raise: never a 500
        raise _invalid() from exc
    finally:
        handle.seek(0)


def _inspect(handle: IO[bytes], *, size: int, budget: _Budget, depth: int) -> str:
    handle.seek(0)
    if b"%PDF-" in handle.read(PDF_HEADER_WINDOW):
        raise polyglot_error("PDF")
    archive = _open(handle)
    walk = _Walk()
    try:
        infos = _check_declared(archive, size, budget)
        _walk(handle, archive, infos, walk)
        if walk.content_types is not None and walk.odf_mimetype is not None:
            raise _error(
                _("The file claims to be both an Office Open XML and an OpenDocument file."),
                "archive_unknown",
            )
        if walk.content_types is not None:
            mime = _ooxml_type(walk.content_types, walk.names)
        elif walk.odf_mimetype is not None:
            mime = _odf_type(walk.odf_mimetype)
        else:
            mime = ZIP_MIME
        if walk.has_macros and mime != ZIP_MIME:
            raise _macros()
        for name, inner in walk.nested:
            # An office document may embed another (a chart's data is an embedded workbook):
            # inspected by the same rules, one level deep, within the same budget.
            if mime == ZIP_MIME or depth > 0:
                raise _nested(name)
            inner_mime = _inspect(inner, size=inner.tell(), budget=budget, depth=depth + 1)
            if inner_mime == ZIP_MIME:
                raise _nested(name)
        return mime
    finally:
        for _name, inner in walk.nested:
            inner.close()
        archive.close()


def is_zip(handle: IO[bytes]) -> bool:
    """Whether the file is also a readable ZIP with at least one item (a polyglot's second face)."""
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            return bool(archive.infolist())
    except Exception:  # anything that does not read as a ZIP is not one
        return False
    finally:
        handle.seek(0)
