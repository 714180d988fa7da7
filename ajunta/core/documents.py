"""Document storage: content-addressed by SHA-256, type sniffed from the content, immutable once registered.

`document_store` reads the upload once, in chunks, into a local spooled file while it computes the
SHA-256 and size and sniffs the type, and refuses before anything reaches storage. A ZIP-based file
(DOCX, ODT, ...) is inspected item by item without being unpacked (`core.archives`), and its type
comes from its content; any other file that is also a ZIP (a polyglot) is refused. The document's
name gets the extension of the type found (`conform_filename`). The storage path is
documents/<org>/<sha[:2]>/<sha>, so identical content in one organization is stored once and shared
by every Document row that carries it. `document_open` re-hashes the stored bytes before serving
them, so a corrupted file is an error, never a silent download.
"""

from __future__ import annotations

import base64
import codecs
import datetime as dt
import hashlib
import logging
import mimetypes
import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from typing import IO, Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ajunta.core.archives import ZIP_MIME, ZIP_SIGNATURES, inspect_zip, is_zip, polyglot_error
from ajunta.core.audit import audit_record, changed_fields
from ajunta.core.models import (
    Document,
    EniDocumentType,
    EniElaborationState,
    EniOrigin,
    document_upload_path,
)
from ajunta.core.validators import validate_dir3_code

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
SNIFF_BYTES = 8192  # what `filetype` looks at
NAME_MAX_LENGTH = 255

# Sniffed MIME type -> what the user is told it is. Nothing outside this list is stored.
ALLOWED_TYPES: dict[str, Any] = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/tiff": "TIFF",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
    "application/vnd.oasis.opendocument.presentation": "ODP",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PPTX",
    "application/xml": "XML",
    "text/plain": gettext_lazy("plain text"),
    "text/csv": "CSV",
}
TEXT_TYPES = frozenset({"text/plain", "text/csv"})
# The extensions each accepted type goes by, the usual one first; a stored name ends in one of them.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/tiff": (".tif", ".tiff"),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/xml": (".xml", ".xsig"),
    "text/plain": (".txt", ".text", ".log", ".md"),
    "text/csv": (".csv",),
}
ACCEPTED_EXTENSIONS = ",".join(ext for exts in EXTENSIONS.values() for ext in exts)
_KNOWN_TYPES = mimetypes.MimeTypes()  # Python's own table only, the same on every machine

# XML that a browser would run as a page: refused even though it is well-formed XML.
_PROLOG = re.compile(rb"(?:\s|<\?.*?\?>|<!--.*?-->|<!doctype[^>]*>)*", re.DOTALL)
_ROOT = re.compile(rb"<([a-z0-9_.:-]+)")
_ACTIVE_ROOTS = {b"html": "HTML", b"svg": "SVG"}
_UTF8_BOM = b"\xef\xbb\xbf"

METADATA_FIELDS = ("document_type", "origin", "elaboration_state", "capture_date", "dir3_body")


class DocumentIntegrityError(Exception):
    """The stored bytes of a document no longer match its SHA-256 (or are missing)."""


@dataclass
class _Received:
    spool: Any  # a SpooledTemporaryFile holding exactly the bytes that were hashed
    sha256: str
    size: int
    head: bytes
    is_utf8_text: bool


# --- reading and sniffing ------------------------------------------------------------------------
def _chunks(uploaded_file: Any) -> Any:
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    if hasattr(uploaded_file, "chunks"):
        yield from uploaded_file.chunks(CHUNK_SIZE)
        return
    while chunk := uploaded_file.read(CHUNK_SIZE):
        yield chunk


def _too_large_error() -> ValidationError:
    limit = filesizeformat(settings.DOCUMENT_MAX_BYTES)
    message = _("The file is larger than the maximum allowed size (%(limit)s).") % {"limit": limit}
    return _file_error(message, "too_large")


def _receive(uploaded_file: Any) -> _Received:
    """Read the upload once: hash, size, the first bytes, and whether it is UTF-8 text with no NUL."""
    max_bytes = settings.DOCUMENT_MAX_BYTES
    declared = getattr(uploaded_file, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_large_error()
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_text = True
    size = 0
    head = b""
    spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (returned open; the caller closes it)
        max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, dir=settings.FILE_UPLOAD_TEMP_DIR
    )
    try:
        for chunk in _chunks(uploaded_file):
            size += len(chunk)
            if size > max_bytes:
                raise _too_large_error()
            digest.update(chunk)
            spool.write(chunk)
            if len(head) < SNIFF_BYTES:
                head += chunk[: SNIFF_BYTES - len(head)]
            if is_text:
                if b"\x00" in chunk:
                    is_text = False
                else:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        is_text = False
        if is_text:
            try:
                decoder.decode(b"", final=True)  # a multi-byte sequence cut off at the end
            except UnicodeDecodeError:
                is_text = False
        if size == 0:
            raise _file_error(_("The file is empty."), "empty")
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return _Received(
        spool=spool, sha256=digest.hexdigest(), size=size, head=head, is_utf8_text=is_text
    )


def _text_start(head: bytes) -> bytes:
    """The first bytes after a UTF-8 byte-order mark and leading whitespace, lower-cased."""
    if head.startswith(_UTF8_BOM):
        head = head[len(_UTF8_BOM) :]
    return head.lstrip(b" \t\r\n").lower()


def _active_markup(start: bytes) -> str | None:
    """The kind of page ("HTML", "SVG") when this markup is one a browser would render and run."""
    prolog = _PROLOG.match(start)
    end = prolog.end() if prolog else 0
    if b"<!doctype html" in start[:end]:
        return "HTML"
    root = _ROOT.match(start, end)
    if root is not None:
        local_name = root.group(1).rsplit(b":", 1)[-1]
        if local_name in _ACTIVE_ROOTS:
            return _ACTIVE_ROOTS[local_name]
    if b"<script" in start or b":script" in start:
        return "HTML"
    return None


def sniff_content_type(head: bytes, *, is_utf8_text: bool, name: str = "") -> str:
    """The MIME type of the content, from its bytes only; ValidationError when it is not allowed.

    `name` only tells CSV from plain text, both of which are stored and served as inert text.
    A ZIP-based file answers ZIP_MIME: its type is told by `inspect_zip` over the whole content.
    """
    if head.startswith(ZIP_SIGNATURES):
        return ZIP_MIME
    kind = filetype.guess(head)
    if kind is not None:
        if kind.mime in ALLOWED_TYPES:
            return kind.mime
        raise _not_allowed(kind.mime)
    if not is_utf8_text:
        raise _not_allowed(_("binary data of an unknown type"))
    start = _text_start(head)
    if start.startswith(b"<"):
        active = _active_markup(start)
        if active:
            raise _not_allowed(active)
        return "application/xml"
    if name.lower().endswith(".csv"):
        return "text/csv"
    return "text/plain"


def _not_allowed(detected: str) -> ValidationError:
    allowed = ", ".join(str(label) for label in ALLOWED_TYPES.values())
    message = _(
        "This type of file is not accepted (it looks like %(detected)s). "
        "Accepted types: %(allowed)s."
    ) % {"detected": detected, "allowed": allowed}
    return _file_error(message, "type_not_allowed")


def _file_error(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def content_type_of(received: _Received, *, name: str) -> str:
    """The accepted MIME type of the whole received content; ValidationError (on "file") if none.

    ZIP-based content is inspected without unpacking; content of any other type must not also read
    as a ZIP archive.
    """
    content_type = sniff_content_type(received.head, is_utf8_text=received.is_utf8_text, name=name)
    try:
        if content_type == ZIP_MIME:
            content_type = inspect_zip(received.spool, size=received.size)
        elif is_zip(received.spool):
            raise polyglot_error(str(ALLOWED_TYPES[content_type]))
    except ValidationError as error:
        raise _file_error(error.messages[0], error.code or "invalid") from error
    if content_type not in ALLOWED_TYPES:
        raise _not_allowed(content_type)
    return content_type


# --- names and metadata --------------------------------------------------------------------------
def conform_filename(name: str, content_type: str) -> str:
    """`name`, ending in an extension of `content_type` (found from the content, never the name).

    An extension the type goes by is kept as it is (`.jpeg` and `.JPG` alike); one that names some
    other type (`.zip`, `.pdf`, `.bin`, in Python's table of types) is replaced by the type's usual
    extension; anything else (no extension, `Acta 3.2.2026`) gets the usual extension appended.
    """
    extensions = EXTENSIONS[content_type]
    stem, ext = os.path.splitext(name)
    if ext.lower() in extensions:
        return name
    if ext and _KNOWN_TYPES.guess_type("x" + ext.lower(), strict=False)[0] is not None:
        name = stem
    name = name + extensions[0]
    if len(name) > NAME_MAX_LENGTH:
        name = sanitize_filename(name)
    return name


def sanitize_filename(name: str) -> str:
    """The last path component, without control characters, at most NAME_MAX_LENGTH characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".").strip()
    if not name:
        return "document"
    if len(name) > NAME_MAX_LENGTH:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[: NAME_MAX_LENGTH - len(ext)].rstrip() + ext
    return name


def _clean_metadata(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned = dict(values)
    if "document_type" in cleaned and cleaned["document_type"] not in EniDocumentType.values:
        errors["document_type"] = _("Unknown ENI document type.")
    if "origin" in cleaned:
        try:
            cleaned["origin"] = int(cleaned["origin"])
        except (TypeError, ValueError):
            cleaned["origin"] = None
        if cleaned["origin"] not in EniOrigin.values:
            errors["origin"] = _("Unknown ENI origin.")
    if (
        "elaboration_state" in cleaned
        and cleaned["elaboration_state"] not in EniElaborationState.values
    ):
        errors["elaboration_state"] = _("Unknown ENI elaboration state.")
    if "capture_date" in cleaned:
        capture = cleaned["capture_date"]
        if not isinstance(capture, dt.datetime):
            errors["capture_date"] = _("Give the capture date as a date and time.")
        elif timezone.is_naive(capture):
            cleaned["capture_date"] = timezone.make_aware(capture)
    if cleaned.get("dir3_body"):
        cleaned["dir3_body"] = str(cleaned["dir3_body"]).strip().upper()
        try:
            validate_dir3_code(cleaned["dir3_body"])
        except ValidationError as error:
            errors["dir3_body"] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _storage() -> Storage:
    return Document._meta.get_field("file").storage  # type: ignore[attr-defined]


def _store_content(storage: Storage, path: str, received: _Received) -> bool:
    """Put the bytes at `path` unless they are already there. True when written now."""
    if storage.exists(path):
        return False
    saved = storage.save(path, File(received.spool, name=path))
    if saved != path:
        # Another upload of the same bytes won the race; keep the one content-addressed copy.
        storage.delete(saved)
        return False
    return True


# --- services ------------------------------------------------------------------------------------
def document_store(
    *,
    org: Any,
    actor: Any,
    uploaded_file: Any,
    name: str | None = None,
    document_type: str = EniDocumentType.TD99,
    origin: int = EniOrigin.ADMINISTRATION,
    elaboration_state: str = EniElaborationState.EE01,
    capture_date: dt.datetime | None = None,
    dir3_body: str = "",
    verification_code: str | None = None,
) -> Document:
    """Store an upload as a new Document of `org`, checking size and type; reuse identical content."""
    metadata = _clean_metadata(
        {
            "document_type": document_type,
            "origin": origin,
            "elaboration_state": elaboration_state,
            "capture_date": capture_date or timezone.now(),
            "dir3_body": dir3_body or getattr(org, "dir3_code", "") or "",
        }
    )
    submitted_name = sanitize_filename(name if name else getattr(uploaded_file, "name", ""))
    received = _receive(uploaded_file)
    try:
        content_type = content_type_of(received, name=submitted_name)
        clean_name = conform_filename(submitted_name, content_type)
        document = Document(
            organization=org,
            name=clean_name,
            content_type=content_type,
            size=received.size,
            sha256=received.sha256,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            verification_code=verification_code,
            **metadata,
        )
        path = document_upload_path(document, clean_name)
        with transaction.atomic():
            # A file written here and then rolled back stays as an orphan: it holds exactly these
            # bytes under their hash, so a later upload reuses it. Deleting it could pull the file
            # from under a concurrent upload of the same content.
            written = _store_content(_storage(), path, received)
            document.file.name = path
            document.save(force_insert=True)
            audit_record(
                org=org, actor=actor, action="document.store", obj=document,
                changes={
                    "name": document.name, "sha256": document.sha256, "size": document.size,
                    "content_type": content_type, "document_type": document.document_type,
                    "stored_now": written,
                    **({"submitted_name": submitted_name} if submitted_name != clean_name else {}),
                },
            )  # fmt: skip
    finally:
        received.spool.close()
    return document


def _locked(org: Any, document: Document) -> Document:
    if document.organization_id != org.pk:
        raise Document.DoesNotExist
    return Document.objects.select_for_update().get(pk=document.pk, organization=org)


@transaction.atomic
def document_register(*, org: Any, actor: Any, document: Document) -> Document:
    """Mark the document registered: from now on its content and metadata never change."""
    current = _locked(org, document)
    if current.registered_at is not None:
        raise ValidationError(_("This document is already registered."), code="registered")
    current.registered_at = timezone.now()
    current.save(update_fields=["registered_at"])
    audit_record(
        org=org, actor=actor, action="document.register", obj=current,
        changes={"registered_at": current.registered_at, "sha256": current.sha256},
    )  # fmt: skip
    document.registered_at = current.registered_at
    return current


@transaction.atomic
def document_update_metadata(
    *, org: Any, actor: Any, document: Document, **fields: Any
) -> Document:
    """Change the ENI metadata of a document that is not registered yet."""
    unknown = set(fields) - set(METADATA_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    current = _locked(org, document)
    if current.registered_at is not None:
        raise ValidationError(_("A registered document cannot be changed."), code="registered")
    cleaned = _clean_metadata(fields)
    old = {field: getattr(current, field) for field in cleaned}
    for field, value in cleaned.items():
        setattr(current, field, value)
    changes = changed_fields(current, list(cleaned), old)
    if changes:
        current.save(update_fields=list(changes))
        audit_record(
            org=org, actor=actor, action="document.update_metadata", obj=current, changes=changes
        )
    for field in changes:
        setattr(document, field, getattr(current, field))
    return current


@transaction.atomic
def document_discard(*, org: Any, actor: Any, document: Document) -> None:
    """Delete a document that is not registered; its file goes too when no other row shares it."""
    current = _locked(org, document)
    if current.registered_at is not None:
        raise ValidationError(_("A registered document cannot be deleted."), code="registered")
    path = current.file.name
    audit_record(
        org=org, actor=actor, action="document.discard", obj=current,
        changes={"name": current.name, "sha256": current.sha256, "size": current.size},
    )  # fmt: skip
    current.delete()

    def delete_unshared_file() -> None:
        if not Document.objects.filter(file=path).exists():
            _storage().delete(path)

    transaction.on_commit(delete_unshared_file)


def document_open(*, org: Any, document: Document) -> IO[bytes]:
    """The stored file, opened for reading, after checking its bytes still match the SHA-256.

    Raises DocumentIntegrityError when the file is missing, truncated or altered.
    """
    if document.organization_id != org.pk:
        raise Document.DoesNotExist
    try:
        handle = _storage().open(document.file.name, "rb")
    except OSError as exc:
        logger.error("Document %s of organization %s: stored file missing", document.pk, org.pk)
        raise DocumentIntegrityError(f"Stored file of document {document.pk} is missing.") from exc
    digest = hashlib.sha256()
    size = 0
    try:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
        if size != document.size or digest.hexdigest() != document.sha256:
            logger.error(
                "Document %s of organization %s: stored file fails its SHA-256 check",
                document.pk, org.pk,
            )  # fmt: skip
            raise DocumentIntegrityError(
                f"Stored file of document {document.pk} does not match its SHA-256."
            )
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle


def new_verification_code() -> str:
    """A fresh secure verification code: 100 random bits in 20 base32 characters."""
    return base64.b32encode(secrets.token_bytes(15)).decode()[:20]


def format_verification_code(code: str) -> str:
    """`ABCDEFGHIJKLMNOPQRST` -> `ABCDE-FGHIJ-KLMNO-PQRST`, as printed."""
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


def verification_link(code: str) -> str:
    """The public verification page already asking for `code` (SITE_URL/verify/?code=...):
    what a printed QR code opens."""
    from urllib.parse import urlencode

    return f"{settings.SITE_URL}/verify/?{urlencode({'code': format_verification_code(code)})}"


def normalize_verification_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def documents_remove_orphan_files(paths: list[str]) -> None:
    """After a failed transaction, delete stored files that no Document row refers to.

    Callers that store several documents in one transaction (a registry filing) use this so that a
    refused or failed filing leaves no file behind.
    """
    storage = _storage()
    for path in set(paths):
        if path and not Document.objects.filter(file=path).exists() and storage.exists(path):
            storage.delete(path)
