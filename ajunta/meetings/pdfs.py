"""PDFs of this app: the convocation with its agenda, the minutes, certificates of agreements."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ajunta.core.pdf import PdfBuilder
from ajunta.meetings.rules import number


def when(moment: Any) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else ""


def convocation_pdf(*, org: Any, session: Any, items: Iterable[Any]) -> bytes:
    title = _("Convocation of session %(number)s") % {"number": session.number}
    doc = PdfBuilder(title=title, author=org.name, footer_text=f"{org.name} · {title}")
    doc.heading(org.name)
    doc.heading(f"{session.body.name} · {title}", level=2)
    doc.key_values([
        (_("Kind"), session.get_kind_display()),
        (_("Mode"), session.get_mode_display()),
        (_("Date and time"), when(session.starts_at)),
        (_("Place"), session.place),
    ])  # fmt: skip
    if session.remote_justification:
        doc.paragraph(_("Remote attendance: %(reason)s") % {"reason": session.remote_justification})
    doc.spacer(4)
    doc.heading(_("Agenda"), level=2)
    for item in items:
        doc.paragraph(f"{item.position}. {item.title}")
    return doc.to_bytes()


def minutes_pdf(*, org: Any, minutes: Any, index: list[tuple[int, str, int | None]]) -> bytes:
    session = minutes.session
    title = _("Minutes %(number)s") % {"number": minutes.number}
    doc = PdfBuilder(title=title, author=org.name, footer_text=f"{org.name} · {title}")
    doc.heading(org.name)
    doc.heading(f"{session.body.name} · {title}", level=2)
    for paragraph in minutes.body.split("\n\n"):
        doc.paragraph(paragraph.strip())
    if session.recording_sha256 or any(code is not None for _p, _t, code in index):
        doc.spacer(4)
        doc.heading(_("Video minutes"), level=2)
        doc.key_values([(_("Recording (SHA-256)"), session.recording_sha256 or "—")])
        for position, item_title, code in index:
            stamp = (
                "—"
                if code is None
                else f"{code // 3600:02d}:{code % 3600 // 60:02d}:{code % 60:02d}"
            )
            doc.paragraph(f"{stamp} · {position}. {item_title}")
    doc.spacer(4)
    doc.key_values([
        (_("Approved in session"), minutes.approved_in.number if minutes.approved_in_id else ""),
        (_("The secretary"), _signer(minutes.secretary_signed_by, minutes.secretary_signed_at)),
        (_("The mayor"), _signer(minutes.mayor_signed_by, minutes.mayor_signed_at)),
    ])  # fmt: skip
    return doc.to_bytes()


def _signer(user: Any, moment: Any) -> str:
    return f"{user.get_full_name() or user.get_username()} · {when(moment)}" if user else ""


def certificate_pdf(*, org: Any, item: Any, secretary: str, mayor: str) -> bytes:
    session = item.session
    title = _("Certificate of agreement")
    doc = PdfBuilder(title=title, author=org.name, footer_text=f"{org.name} · {title}")
    doc.heading(org.name)
    doc.heading(title, level=2)
    doc.paragraph(
        _(
            "%(secretary)s, secretary of %(org)s, CERTIFY that %(body)s, in its %(kind)s session "
            "%(number)s held on %(date)s, adopted the following agreement on item %(position)s, "
            "%(title)s:"
        )
        % {
            "secretary": secretary,
            "org": org.name,
            "body": session.body.name,
            "kind": session.get_kind_display().lower(),
            "number": session.number,
            "date": when(session.starts_at),
            "position": item.position,
            "title": item.title,
        }
    )
    doc.paragraph(item.agreement)
    doc.key_values([
        (_("Vote"), f"{_('Yes')} {number(item.votes_yes)} · {_('No')} {number(item.votes_no)} · {_('Abstain')} {number(item.votes_abstain)}"),
        (_("Result"), item.get_result_display()),
        (_("Case file"), item.case.number if item.case_id else ""),
        (_("Seen and approved, the mayor"), mayor),
    ])  # fmt: skip
    return doc.to_bytes()
