"""Decrees signed in person (issue 18): the mayor signs with their own certificate, then the
secretary attests with theirs, both on the same PDF (two PAdES signatures by two persons), through
the signature workflows of ajunta.signatures (AutoFirma or a remote qualified service).

`decree_send_for_signature` prints the decree (without a number yet) and starts the workflow. The
mayor's signature makes the decree "signed by the mayor"; the secretary's, the last one, enters it
in the decrees book (`decree_take_note` with the signed PDF: the next number of the year, the
sealed record binding that number to the PDF's hash). A refusal returns the decree to draft, with
the reason in the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from ajunta.cases import pdfs
from ajunta.cases import services as case_services
from ajunta.cases.models import Decree, DecreeStatus
from ajunta.core.audit import audit_record
from ajunta.core.documents import document_register, document_store
from ajunta.core.models import EniDocumentType, RoleAssignment
from ajunta.core.tenancy import has_permission
from ajunta.signatures import selectors as signature_selectors
from ajunta.signatures import services as signatures
from ajunta.signatures.models import StepRole, WorkflowMode

PURPOSE = "cases.decree"


def _holds(org: Any, user: Any, permission: str) -> bool:
    roles = RoleAssignment.objects.filter(organization=org, user=user).values_list(
        "role", flat=True
    )
    return has_permission(set(roles), permission)


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def people_who_may(*, org: Any, permission: str) -> list[Any]:
    """Who may be named mayor (decrees.sign) or secretary (decrees.note) of a decree."""
    from ajunta.core.models import User
    from ajunta.core.tenancy import PERMISSIONS

    roles: frozenset[str] = PERMISSIONS.get(permission, frozenset())
    holders = RoleAssignment.objects.filter(organization=org, role__in=roles).values("user")
    return list(User.objects.filter(pk__in=holders).order_by("first_name", "last_name"))


@transaction.atomic
def decree_send_for_signature(
    *, org: Any, actor: Any, decree: Decree, mayor: Any, secretary: Any,
    mode: str = WorkflowMode.SEQUENTIAL,
) -> Any:  # fmt: skip
    """Send a draft decree to the mayor and the secretary for their personal signatures."""
    current = Decree.objects.select_for_update().get(pk=decree.pk, organization=org)
    if current.status != DecreeStatus.DRAFT:
        raise ValidationError(_("Only a draft decree can be sent for signature."))
    if case_services._signatures_pending(org, current):
        raise ValidationError(_("This decree is already out for signature."))
    errors = {}
    if mayor is None or not _holds(org, mayor, "decrees.sign"):
        errors["mayor"] = _("This person may not sign decrees here.")
    if secretary is None or not _holds(org, secretary, "decrees.note"):
        errors["secretary"] = _("This person may not attest decrees here.")
    elif mayor is not None and mayor.pk == secretary.pk:
        errors["secretary"] = _("The secretary who attests cannot be the person who signs.")
    if errors:
        raise ValidationError(errors)
    content = pdfs.decree_pdf(org=org, decree=current, signers=(_name(mayor), _name(secretary)))
    document = document_store(
        org=org, actor=actor, uploaded_file=ContentFile(content, name=f"decret-{current.pk}.pdf"),
        document_type=EniDocumentType.TD01,
    )  # fmt: skip
    document_register(org=org, actor=actor, document=document)
    workflow = signatures.workflow_start(
        org=org, actor=actor, document=document, title=current.title,
        signers=[(mayor, StepRole.SIGN), (secretary, StepRole.ATTEST)], mode=mode,
        purpose=PURPOSE, object_id=str(current.pk),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.decree.send_for_signature", obj=current,
                 changes={"workflow": workflow.pk, "mayor": mayor.get_username(),
                          "secretary": secretary.get_username(), "mode": mode,
                          "sha256": document.sha256})  # fmt: skip
    return workflow


def decree_workflow(*, org: Any, decree: Decree) -> Any:
    """The decree's latest signature workflow, or None."""
    return signature_selectors.workflows_for(org=org, purpose=PURPOSE, object_id=decree.pk).first()


def _decree_of(org: Any, workflow: Any) -> Decree:
    return Decree.objects.select_for_update().get(pk=int(workflow.object_id), organization=org)


def _on_step_signed(*, org: Any, actor: Any, workflow: Any, step: Any) -> None:
    if step.role != StepRole.SIGN:
        return
    decree = _decree_of(org, workflow)
    decree.status, decree.signed_at, decree.signed_by = DecreeStatus.SIGNED, step.signed_at, actor
    decree.save(update_fields=["status", "signed_at", "signed_by"])
    audit_record(org=org, actor=actor, action="cases.decree.sign", obj=decree, changes={
        "signed_at": decree.signed_at, "certificate": step.certificate_subject,
        "nif": step.certificate_nif, "method": step.method,
    })  # fmt: skip


def _on_completed(*, org: Any, actor: Any, workflow: Any, step: Any) -> None:
    decree = _decree_of(org, workflow)
    attest = next(s for s in workflow.steps.all() if s.role == StepRole.ATTEST)
    case_services.decree_take_note(
        org=org, actor=attest.signer, decree=decree, signed_document=workflow.document,
        signed_with="personal",
    )  # fmt: skip


def _on_rejected(*, org: Any, actor: Any, workflow: Any, step: Any) -> None:
    decree = _decree_of(org, workflow)
    was = decree.status
    decree.status, decree.signed_at, decree.signed_by = DecreeStatus.DRAFT, None, None
    decree.save(update_fields=["status", "signed_at", "signed_by"])
    audit_record(org=org, actor=actor, action="cases.decree.signature_refused", obj=decree,
                 changes={"reason": step.rejected_reason, "status": [was, decree.status]})  # fmt: skip


signatures.register_handler(
    PURPOSE,
    signatures.Handler(
        on_step_signed=_on_step_signed, on_completed=_on_completed, on_rejected=_on_rejected
    ),
)


# --- any PDF of a case, signed in person ---------------------------------------------------------
DOCUMENT_PURPOSE = "cases.document"


@transaction.atomic
def case_document_send_for_signature(
    *, org: Any, actor: Any, case_document: Any, signer: Any, attester: Any = None,
    mode: str = WorkflowMode.SEQUENTIAL,
) -> Any:  # fmt: skip
    """Send a PDF of an open case to `signer` (and `attester`, who attests after or in any order):
    once everyone has signed, the signed PDF becomes the document's last version, immutable."""
    from ajunta.cases.models import CaseDocument

    row = (
        CaseDocument.objects.select_for_update()
        .select_related("case", "document")
        .get(pk=case_document.pk, organization=org)
    )
    if row.is_signed:
        raise ValidationError(_("This document is already signed."))
    if not row.case.is_active:
        raise ValidationError(_("This case can no longer change."))
    if document_signatures_pending(org=org, case_document=row):
        raise ValidationError(_("This document is already out for signature."))
    signers = [(signer, StepRole.SIGN)]
    if attester is not None:
        signers.append((attester, StepRole.ATTEST))
    if signer is None:
        raise ValidationError({"signer": _("Name who signs.")})
    workflow = signatures.workflow_start(
        org=org, actor=actor, document=row.document, title=f"{row.case.number} · {row.title}",
        signers=signers, mode=mode, purpose=DOCUMENT_PURPOSE, object_id=str(row.pk),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.document.send_for_signature", obj=row,
                 changes={"workflow": workflow.pk,
                          "signers": [p.get_username() for p, _r in signers]})  # fmt: skip
    return workflow


def document_signatures_pending(*, org: Any, case_document: Any) -> bool:
    return (
        signature_selectors.workflows_for(
            org=org, purpose=DOCUMENT_PURPOSE, object_id=case_document.pk
        )
        .filter(status="pending")
        .exists()
    )


def document_workflow(*, org: Any, case_document: Any) -> Any:
    return signature_selectors.workflows_for(
        org=org, purpose=DOCUMENT_PURPOSE, object_id=case_document.pk
    ).first()


def _on_document_completed(*, org: Any, actor: Any, workflow: Any, step: Any) -> None:
    from ajunta.cases.models import CaseDocument, CaseDocumentVersion

    row = CaseDocument.objects.select_for_update().get(pk=int(workflow.object_id), organization=org)
    first = min(workflow.steps.all(), key=lambda s: s.position)
    row.version += 1
    row.document = workflow.document
    row.signed_at, row.signed_by = workflow.completed_at, first.signer
    row.signature_provider, row.certificate_signed = "personal", True
    row.save(update_fields=["version", "document", "signed_at", "signed_by",
                            "signature_provider", "certificate_signed"])  # fmt: skip
    CaseDocumentVersion.objects.create(
        organization=org, case_document=row, version=row.version, document=workflow.document,
        created_by=actor,
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.document.sign", obj=row, changes={
        "sha256": workflow.document.sha256, "signer": "personal", "certificate": True,
        "workflow": workflow.pk,
    })  # fmt: skip


signatures.register_handler(
    DOCUMENT_PURPOSE, signatures.Handler(on_completed=_on_document_completed)
)
