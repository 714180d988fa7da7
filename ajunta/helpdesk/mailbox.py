"""Tickets by e-mail: poll the provider's helpdesk mailbox over IMAP.

A message from someone who holds a role in a member municipality opens a ticket there; a reply
whose subject carries a ticket's number (`[2026-000123]`) becomes a follow-up of that ticket when
its sender may see it. Attachments go through core.documents like any upload (a refused one is
left out and said so in the ticket). Unknown senders and automatic replies are skipped. Every
message handled is marked seen, so each is read once.

The mailbox is configured in settings (from the environment): HELPDESK_IMAP_HOST, HELPDESK_IMAP_PORT (993),
HELPDESK_IMAP_USER, HELPDESK_IMAP_PASSWORD, HELPDESK_IMAP_FOLDER (INBOX).
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import parseaddr
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
            try:
                outcome = handle_message(provider=provider, raw=raw)
            except Exception:
                logger.exception("Helpdesk mailbox: message %s not handled", uid)
                outcome = "skipped"
            counts[outcome] += 1
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
    text = _text_of(message) or subject
    uploads = _attachments(message)
    found = NUMBER_IN_SUBJECT.search(subject)
    if found:
        ticket = Ticket.objects.filter(provider=provider, number=found.group(1)).first()
        if ticket is not None:
            return _reply(provider, user, ticket, text, uploads)
    member = _member_org_of(user, provider)
    if member is None:
        return "skipped"
    try:
        services.ticket_create(
            org=member, actor=user, title=subject[:200], description=text,
            channel=Channel.EMAIL, attachments=uploads,
        )  # fmt: skip
    except ValidationError as exc:
        if not uploads:
            raise
        # A refused attachment must not lose the request: open it without them, and say so.
        note = _("Attachments left out: %(reason)s") % {"reason": " ".join(exc.messages)}
        services.ticket_create(
            org=member, actor=user, title=subject[:200],
            description=f"{text}\n\n{note}"[:MAX_BODY], channel=Channel.EMAIL,
        )  # fmt: skip
    return "opened"


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
