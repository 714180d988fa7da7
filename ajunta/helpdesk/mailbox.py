"""Tickets by e-mail: read the provider's helpdesk mailbox (IMAP, a local Maildir, or a folder).

A message from someone who holds a role in a member municipality opens a ticket there; a reply
becomes a follow-up of its ticket when its sender may see it. A reply is known by the ticket's
number in its subject (`[2026-000123]`) or, when the subject was changed, by its In-Reply-To and
References headers: they name the message that opened the ticket (kept as the ticket's external
reference) or one of our notifications (whose Message-ID carries the number). Attachments go
through core.documents like any upload (a refused one is left out and said so in the ticket).
Unknown senders, automatic replies and a message already taken in are skipped. Each message is
read once: marked seen (IMAP), moved to cur/ with the S flag (Maildir), moved to done/ (folder).

HELPDESK_MAIL_SOURCE chooses the source: `imap` (HELPDESK_IMAP_HOST, HELPDESK_IMAP_PORT (993),
HELPDESK_IMAP_USER, HELPDESK_IMAP_PASSWORD, HELPDESK_IMAP_FOLDER (INBOX)), `maildir` (a Maildir
at HELPDESK_MAIL_DIR, as Postfix, Dovecot or fetchmail write it) or `folder` (every `*.eml` file
in HELPDESK_MAIL_DIR, as Thunderbird, Outlook or Gmail save a message); empty: no intake.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import logging
import mailbox
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from ajunta.core.models import RoleAssignment, User
from ajunta.helpdesk import selectors, services
from ajunta.helpdesk.models import Channel, Ticket

logger = logging.getLogger(__name__)

NUMBER_IN_SUBJECT = re.compile(r"\[(\d{4}-\d{6})\]")
# The Message-ID of our notifications (notifications.message_id) carries the ticket's number.
NUMBER_IN_MESSAGE_ID = re.compile(r"\.ticket-(\d{4}-\d{6})@")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
MAX_REFERENCE = 120  # Ticket.external_reference
MAX_MESSAGES_PER_RUN = 200
MAX_BODY = 20000


@dataclass
class MailboxConfig:
    host: str
    port: int = 993
    user: str = ""
    password: str = field(default="", repr=False)
    folder: str = "INBOX"

    @classmethod
    def from_settings(cls) -> MailboxConfig | None:
        """The mailbox of settings.HELPDESK_IMAP_* (read from the environment), if one is set."""
        if not settings.HELPDESK_IMAP_HOST:
            return None
        return cls(
            host=settings.HELPDESK_IMAP_HOST,
            port=settings.HELPDESK_IMAP_PORT,
            user=settings.HELPDESK_IMAP_USER,
            password=settings.HELPDESK_IMAP_PASSWORD,
            folder=settings.HELPDESK_IMAP_FOLDER,
        )


@dataclass
class LocalMailbox:
    """A mailbox on this machine: a Maildir (`kind="maildir"`) or a folder of .eml files."""

    path: Path
    kind: str = "folder"


def source_from_settings() -> MailboxConfig | LocalMailbox | None:
    """The mailbox HELPDESK_MAIL_SOURCE names (see the module's docstring), if any."""
    source = settings.HELPDESK_MAIL_SOURCE
    if source == "imap":
        return MailboxConfig.from_settings()
    if source in ("maildir", "folder"):
        return LocalMailbox(path=Path(settings.HELPDESK_MAIL_DIR), kind=source)
    return None


def poll(*, provider: Any, source: MailboxConfig | LocalMailbox) -> dict[str, int]:
    """Read `source` once: (opened, followups, skipped) counts."""
    if isinstance(source, MailboxConfig):
        return poll_mailbox(provider=provider, config=source)
    if source.kind == "maildir":
        return read_maildir(provider=provider, path=source.path)
    return read_folder(provider=provider, path=source.path)


def _handle_safely(provider: Any, raw: bytes, name: str) -> str:
    try:
        return handle_message(provider=provider, raw=raw)
    except Exception:
        logger.exception("Helpdesk mailbox: message %s not handled", name)
        return "skipped"


def _oldest_first(items: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """By the Date header (a reply after what it answers, even in one batch), then by name."""

    def key(item: tuple[str, bytes]) -> tuple[float, str]:
        headers = email.message_from_bytes(item[1])
        try:
            return parsedate_to_datetime(str(headers.get("Date", ""))).timestamp(), item[0]
        except (TypeError, ValueError):
            return float("inf"), item[0]

    return sorted(items, key=key)


def read_folder(*, provider: Any, path: Path) -> dict[str, int]:
    """Take in every `*.eml` file in `path` and move it to `path/done/` (so each is read once)."""
    counts = {"opened": 0, "followups": 0, "skipped": 0}
    if not path.is_dir():
        return counts
    files = sorted(path.glob("*.eml"))[:MAX_MESSAGES_PER_RUN]
    done = path / "done"
    done.mkdir(exist_ok=True)
    for name, raw in _oldest_first([(f.name, f.read_bytes()) for f in files]):
        counts[_handle_safely(provider, raw, name)] += 1
        target = done / name
        while target.exists():  # the same name dropped twice: keep both
            target = target.with_name(f"{target.stem}-1{target.suffix}")
        (path / name).replace(target)
    return counts


def _unseen(box: mailbox.Maildir) -> Iterator[str]:
    for key in box.iterkeys():
        message = box.get_message(key)
        if message.get_subdir() == "new" or "S" not in message.get_flags():
            yield key


def read_maildir(*, provider: Any, path: Path) -> dict[str, int]:
    """Take in the Maildir's unseen messages and mark each seen (moved to cur/, flag S)."""
    counts = {"opened": 0, "followups": 0, "skipped": 0}
    if not (path / "new").is_dir():
        return counts
    box = mailbox.Maildir(path, create=False)
    keys = list(_unseen(box))[:MAX_MESSAGES_PER_RUN]
    for key, raw in _oldest_first([(key, box.get_bytes(key)) for key in keys]):
        counts[_handle_safely(provider, raw, key)] += 1
        message = box.get_message(key)
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message
    return counts


def _connect(config: MailboxConfig) -> Any:
    connection = imaplib.IMAP4_SSL(config.host, config.port, timeout=30)
    connection.login(config.user, config.password)
    return connection


def poll_mailbox(
    *, provider: Any, config: MailboxConfig, connect: Callable[[MailboxConfig], Any] = _connect
) -> dict[str, int]:
    """Read the unseen messages once: (opened, followups, skipped) counts."""
    counts = {"opened": 0, "followups": 0, "skipped": 0}
    connection = connect(config)
    try:
        connection.select(config.folder)
        _status, data = connection.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split()[:MAX_MESSAGES_PER_RUN]
        for uid in uids:
            _status, parts = connection.uid("FETCH", uid, "(RFC822)")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), b"")
            counts[_handle_safely(provider, raw, str(uid))] += 1
            connection.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        try:
            connection.logout()
        except Exception:  # the messages are handled; a failed goodbye changes nothing
            logger.warning("Helpdesk mailbox: logout failed")
    return counts


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = body.get_content()
    if body.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", text)
    return text.strip()[:MAX_BODY]


def _attachments(message: EmailMessage) -> list[SimpleUploadedFile]:
    files = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload:
            files.append(SimpleUploadedFile(part.get_filename() or "attachment", payload))
    return files


def _member_org_of(user: User, provider: Any) -> Any:
    role = (
        RoleAssignment.objects.filter(user=user)
        .exclude(organization=provider)
        .select_related("organization")
        .order_by("organization__name")
        .first()
    )
    return role.organization if role else None


def handle_message(*, provider: Any, raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    if message.get("Auto-Submitted", "no").lower() != "no" or message.get("X-Autoreply"):
        return "skipped"  # never answer an autoresponder (mail loops)
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    if not sender or sender == parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower():
        return "skipped"
    user = User.objects.filter(email__iexact=sender, is_active=True).order_by("pk").first()
    if user is None:
        return "skipped"
    subject = str(message.get("Subject", "")).strip() or _("(no subject)")
    message_id = _ids(message.get("Message-ID"))[:1]
    reference = message_id[0] if message_id and len(message_id[0]) <= MAX_REFERENCE else ""
    if reference and _opened_by(provider, [reference]) is not None:
        return "skipped"  # delivered twice, or read again from a copy: already a ticket
    text = _text_of(message) or subject
    uploads = _attachments(message)
    ticket = _ticket_answered(provider, subject, message)
    if ticket is not None:
        return _reply(provider, user, ticket, text, uploads)
    member = _member_org_of(user, provider)
    if member is None:
        return "skipped"
    try:
        services.ticket_create(
            org=member, actor=user, title=subject[:200], description=text,
            channel=Channel.EMAIL, attachments=uploads, external_reference=reference,
        )  # fmt: skip
    except ValidationError as exc:
        if not uploads:
            raise
        # A refused attachment must not lose the request: open it without them, and say so.
        note = _("Attachments left out: %(reason)s") % {"reason": " ".join(exc.messages)}
        services.ticket_create(
            org=member, actor=user, title=subject[:200],
            description=f"{text}\n\n{note}"[:MAX_BODY], channel=Channel.EMAIL,
            external_reference=reference,
        )  # fmt: skip
    return "opened"


def _ids(header: Any) -> list[str]:
    return MESSAGE_ID.findall(str(header or ""))


def _opened_by(provider: Any, ids: list[str]) -> Ticket | None:
    """The ticket that one of these messages opened (its Message-ID is the external reference)."""
    return (
        Ticket.objects.filter(provider=provider, channel=Channel.EMAIL, external_reference__in=ids)
        .order_by("pk")
        .first()
    )


def _ticket_answered(provider: Any, subject: str, message: EmailMessage) -> Ticket | None:
    """The ticket a reply answers: by the number in its subject, else by its thread's headers."""
    numbers = [found.group(1)] if (found := NUMBER_IN_SUBJECT.search(subject)) else []
    thread = _ids(message.get("In-Reply-To")) + _ids(message.get("References"))
    numbers += [m.group(1) for ref in thread if (m := NUMBER_IN_MESSAGE_ID.search(ref))]
    for number in numbers:
        ticket = Ticket.objects.filter(provider=provider, number=number).first()
        if ticket is not None:
            return ticket
    return _opened_by(provider, thread) if thread else None


def _reply(provider: Any, user: User, ticket: Ticket, text: str, uploads: list[Any]) -> str:
    if selectors.is_technician(provider=provider, user=user):
        org = provider
    elif RoleAssignment.objects.filter(user=user, organization=ticket.organization_id).exists():
        org = ticket.organization
    else:
        return "skipped"  # a stranger quoting a number does not write into the ticket
    if ticket.status == "closed":
        return "skipped"
    try:
        services.followup_add(org=org, actor=user, ticket=ticket, body=text, attachments=uploads)
    except ValidationError:
        if not uploads:
            raise
        services.followup_add(org=org, actor=user, ticket=ticket, body=text)
    return "followups"
