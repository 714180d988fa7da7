"""Signature workflows with the signer as a person (issue 18, item 1).

`workflow_start` sends a PDF to named persons, in order or in any order; each signs it with their
own certificate, through AutoFirma (`autofirma_session_start`, the servlets, `autofirma_session_
finish`) or a remote qualified signing service (`ajunta.signatures.remote`), and every signature
arrives in `step_sign`, which checks it (`verification.check_signed_pdf`) before it counts. A signer
may refuse with a reason (`step_reject`): the workflow stops there. Each signed version is a new
registered Document that keeps the ENI metadata of the document sent (a signature adds a version,
never new metadata). Everything is audited.

Whoever asked for the signatures (a decree, minutes...) registers a handler for its `purpose` and
hears of each signature, of the end and of a rejection, inside the same transaction.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ajunta.core.audit import audit_record
from ajunta.core.documents import document_open, document_register, document_store
from ajunta.core.models import Document, RoleAssignment
from ajunta.signatures import autofirma
from ajunta.signatures.models import (
    AutofirmaSession,
    SignatureMethod,
    SignatureStep,
    SignatureWorkflow,
    StepRole,
    StepStatus,
    WorkflowMode,
    WorkflowStatus,
)
from ajunta.signatures.verification import check_signed_pdf

Callback = Callable[..., None]


@dataclass(frozen=True)
class Handler:
    on_step_signed: Callback | None = None
    on_completed: Callback | None = None
    on_rejected: Callback | None = None


HANDLERS: dict[str, Handler] = {}


def register_handler(purpose: str, handler: Handler) -> None:
    """What `purpose`'s workflows tell their owner; each callback takes (org, actor, workflow,
    step) as keywords and runs in the signing transaction (raising undoes the signature)."""
    HANDLERS[purpose] = handler


def _notify(workflow: SignatureWorkflow, event: str, **kwargs: Any) -> None:
    handler = HANDLERS.get(workflow.purpose)
    callback = getattr(handler, event, None) if handler else None
    if callback is not None:
        callback(workflow=workflow, **kwargs)


def _own(org: Any, row: Any) -> None:
    if row.organization_id != org.pk:
        raise type(row).DoesNotExist


def _content(org: Any, document: Document) -> bytes:
    with document_open(org=org, document=document) as handle:
        return bytes(handle.read())


# --- workflows -----------------------------------------------------------------------------------
@transaction.atomic
def workflow_start(
    *,
    org: Any,
    actor: Any,
    document: Document,
    title: str,
    signers: Sequence[tuple[Any, str]],
    mode: str = WorkflowMode.SEQUENTIAL,
    purpose: str = "",
    object_id: str = "",
) -> SignatureWorkflow:
    """Send `document` (a PDF of `org`) to `signers`, a list of (person, StepRole), to be signed
    in that order (SEQUENTIAL) or in any order (PARALLEL)."""
    _own(org, document)
    errors: dict[str, Any] = {}
    if document.content_type != "application/pdf":
        errors["document"] = _("Only a PDF can be signed.")
    if mode not in WorkflowMode.values:
        errors["mode"] = _("Choose in order or in any order.")
    if not signers:
        errors["signers"] = _("Name at least one signer.")
    people = [person.pk for person, _role in signers]
    if len(set(people)) != len(people):
        errors["signers"] = _("Each person signs once.")
    for person, role in signers:
        if role not in StepRole.values:
            errors["signers"] = _("Unknown role.")
        elif not RoleAssignment.objects.filter(user=person, organization=org).exists():
            errors["signers"] = _("%(name)s holds no role in this organization.") % {
                "name": person.get_full_name() or person.get_username()}  # fmt: skip
    if errors:
        raise ValidationError(errors)
    workflow = SignatureWorkflow.objects.create(
        organization=org, title=title[:200], purpose=purpose, object_id=str(object_id),
        mode=mode, original=document, document=document, created_by=actor,
    )  # fmt: skip
    SignatureStep.objects.bulk_create(
        SignatureStep(organization=org, workflow=workflow, position=index, role=role, signer=person)
        for index, (person, role) in enumerate(signers, start=1)
    )
    audit_record(org=org, actor=actor, action="signatures.workflow.start", obj=workflow, changes={
        "title": workflow.title, "mode": mode, "purpose": purpose, "object_id": str(object_id),
        "sha256": document.sha256,
        "signers": [[person.get_username(), role] for person, role in signers],
    })  # fmt: skip
    return workflow


def step_is_open(step: SignatureStep, steps: Sequence[SignatureStep] | None = None) -> bool:
    """Whether `step` may be signed now: waiting, its workflow pending, and (in order) every
    earlier step signed."""
    workflow = step.workflow
    if step.status != StepStatus.WAITING or workflow.status != WorkflowStatus.PENDING:
        return False
    if workflow.mode == WorkflowMode.PARALLEL:
        return True
    steps = steps if steps is not None else list(workflow.steps.all())
    return all(s.status == StepStatus.SIGNED for s in steps if s.position < step.position)


def _locked_step(
    org: Any, actor: Any, step: SignatureStep
) -> tuple[SignatureWorkflow, SignatureStep]:
    _own(org, step)
    workflow = SignatureWorkflow.objects.select_for_update().get(
        pk=step.workflow_id, organization=org
    )
    current = SignatureStep.objects.select_related("workflow", "signer").get(pk=step.pk)
    current.workflow = workflow
    if current.signer_id != getattr(actor, "pk", None):
        raise ValidationError(_("Only the person named in this step may sign it or refuse it."))
    if not step_is_open(current):
        raise ValidationError(_("This step cannot be signed now."))
    return workflow, current


@transaction.atomic
def step_sign(
    *, org: Any, actor: Any, step: SignatureStep, signed_pdf: bytes, method: str
) -> SignatureStep:
    """The signature of `step`'s signer on the workflow's current document: checked, stored as the
    next version, and the workflow moved on (or completed)."""
    workflow, current = _locked_step(org, actor, step)
    sent = workflow.document
    facts = check_signed_pdf(
        original=_content(org, sent), signed=signed_pdf, signer_nif=getattr(actor, "nif", "")
    )
    original = workflow.original
    document = document_store(
        org=org, actor=actor, uploaded_file=ContentFile(signed_pdf, name=original.name),
        document_type=original.document_type, origin=original.origin,
        elaboration_state=original.elaboration_state, capture_date=original.capture_date,
        dir3_body=original.dir3_body,
    )  # fmt: skip
    document_register(org=org, actor=actor, document=document)
    now = timezone.now()
    current.status, current.method, current.signed_at = StepStatus.SIGNED, method, now
    current.certificate_subject, current.certificate_nif = facts.subject, facts.nif
    current.certificate_issuer, current.certificate_serial = facts.issuer, facts.serial
    current.certificate_not_after, current.document = facts.not_after, document
    current.save(update_fields=[
        "status", "method", "signed_at", "certificate_subject", "certificate_nif",
        "certificate_issuer", "certificate_serial", "certificate_not_after", "document",
    ])  # fmt: skip
    workflow.document = document
    fields = ["document"]
    steps = list(workflow.steps.all())
    if all(s.status == StepStatus.SIGNED for s in steps):
        workflow.status, workflow.completed_at = WorkflowStatus.COMPLETED, now
        fields += ["status", "completed_at"]
    workflow.save(update_fields=fields)
    audit_record(org=org, actor=actor, action="signatures.step.sign", obj=current, changes={
        "workflow": workflow.pk, "position": current.position, "role": current.role,
        "method": method, "certificate": facts.subject, "nif": facts.nif, "issuer": facts.issuer,
        "serial": facts.serial, "sha256": document.sha256,
    })  # fmt: skip
    _notify(workflow, "on_step_signed", org=org, actor=actor, step=current)
    if workflow.status == WorkflowStatus.COMPLETED:
        audit_record(org=org, actor=actor, action="signatures.workflow.complete", obj=workflow,
                     changes={"sha256": document.sha256, "signatures": len(steps)})  # fmt: skip
        _notify(workflow, "on_completed", org=org, actor=actor, step=current)
    step.status, step.document_id, step.signed_at = current.status, document.pk, now
    return current


@transaction.atomic
def step_reject(*, org: Any, actor: Any, step: SignatureStep, reason: str) -> SignatureStep:
    """The signer refuses, saying why: the workflow stops, rejected, and its owner is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you refuse to sign.")})
    workflow, current = _locked_step(org, actor, step)
    now = timezone.now()
    current.status, current.rejected_reason, current.rejected_at = (
        StepStatus.REJECTED, reason[:2000], now,
    )  # fmt: skip
    current.save(update_fields=["status", "rejected_reason", "rejected_at"])
    workflow.status, workflow.rejected_reason = WorkflowStatus.REJECTED, reason[:2000]
    workflow.save(update_fields=["status", "rejected_reason"])
    audit_record(org=org, actor=actor, action="signatures.step.reject", obj=current,
                 changes={"workflow": workflow.pk, "position": current.position,
                          "reason": reason[:2000]})  # fmt: skip
    _notify(workflow, "on_rejected", org=org, actor=actor, step=current)
    step.status = current.status
    return current


# --- AutoFirma -----------------------------------------------------------------------------------
@transaction.atomic
def autofirma_session_start(
    *, org: Any, actor: Any, step: SignatureStep, retrieve_url: str, storage_url: str
) -> AutofirmaSession:
    """Hand the step's document to the signer's AutoFirma: the ciphered request waits for the
    application under a fresh file id; `autofirma.launch_url(...)` is what the page opens."""
    workflow, current = _locked_step(org, actor, step)
    session_id, key = autofirma.new_id(), autofirma.new_key()
    pdf = _content(org, workflow.document)
    properties = "\n".join([
        f"signReason={workflow.title[:120]}",
        "signatureSubFilter=ETSI.CAdES.detached",  # PAdES baseline
    ])  # fmt: skip
    params = {
        "op": "sign", "id": session_id, "stservlet": storage_url, "format": "PAdES",
        "algorithm": "SHA256withRSA", "dat": base64.b64encode(pdf).decode("ascii"),
        "properties": base64.b64encode(properties.encode()).decode("ascii"),
    }  # fmt: skip
    session = AutofirmaSession.objects.create(
        organization=org, step=current, session_id=session_id, file_id=autofirma.new_id(),
        key=key, request_payload=autofirma.cipher(autofirma.request_xml(params), key),
        expires_at=timezone.now() + dt.timedelta(minutes=settings.SIGNATURES_AUTOFIRMA_MINUTES),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="signatures.autofirma.start", obj=session,
                 changes={"step": current.pk, "sha256": workflow.document.sha256})  # fmt: skip
    return session


def _live(**lookup: str) -> AutofirmaSession | None:
    return (
        AutofirmaSession.objects.select_for_update()
        .filter(expires_at__gt=timezone.now(), finished_at__isnull=True, **lookup)
        .first()
    )


@transaction.atomic
def autofirma_retrieve(*, file_id: str) -> str:
    """The retrieve servlet: the ciphered request, once; any unknown, expired or used id gets the
    same error."""
    session = _live(file_id=file_id) if file_id else None
    if session is None or session.retrieved_at is not None:
        return autofirma.ERROR_INVALID_ID
    session.retrieved_at = timezone.now()
    session.save(update_fields=["retrieved_at"])
    audit_record(org=session.organization, actor=None, action="signatures.autofirma.retrieve",
                 obj=session)  # fmt: skip
    return session.request_payload


@transaction.atomic
def autofirma_store(*, session_id: str, data: str) -> str:
    """The storage servlet: AutoFirma's answer, kept until the signer's page picks it up."""
    if not session_id:
        return autofirma.ERROR_MISSING_ID
    if not data:
        return autofirma.ERROR_MISSING_DATA
    if len(data) > settings.DOCUMENT_MAX_BYTES * 2:  # base64 and the certificate on top
        return autofirma.ERROR_TOO_LARGE
    session = _live(session_id=session_id)
    if session is None or session.stored_at is not None:
        return autofirma.ERROR_INVALID_ID
    session.result, session.stored_at = data, timezone.now()
    session.save(update_fields=["result", "stored_at"])
    audit_record(org=session.organization, actor=None, action="signatures.autofirma.store",
                 obj=session, changes={"bytes": len(data)})  # fmt: skip
    return autofirma.OK


def autofirma_session_finish(*, org: Any, actor: Any, session: AutofirmaSession) -> str:
    """What the signer's polling page learns: "waiting" (nothing yet), "signed", "failed" (with
    `session.error`) or "expired". The answer is checked and signed in as the signer."""
    _own(org, session)
    with transaction.atomic():
        current = (
            AutofirmaSession.objects.select_for_update().select_related("step").get(pk=session.pk)
        )
        if current.step.signer_id != getattr(actor, "pk", None):
            raise AutofirmaSession.DoesNotExist
        if current.finished_at is not None:
            return "failed" if current.error else "signed"
        if not current.result:
            return "expired" if current.expires_at <= timezone.now() else "waiting"
        current.finished_at = timezone.now()
        try:
            _certificate, signed_pdf = autofirma.read_answer(current.result, current.key)
            with transaction.atomic():  # a refused signature rolls back alone
                step_sign(org=org, actor=actor, step=current.step, signed_pdf=signed_pdf,
                          method=SignatureMethod.AUTOFIRMA)  # fmt: skip
        except autofirma.ProtocolError as error:
            current.error = (_("AutoFirma did not sign: %(reason)s") % {"reason": error})[:500]
        except ValidationError as error:
            current.error = " ".join(error.messages)[:500]
        current.save(update_fields=["finished_at", "error"])
        session.error, session.finished_at = current.error, current.finished_at
        if current.error:
            audit_record(org=org, actor=actor, action="signatures.autofirma.refused", obj=current,
                         changes={"error": current.error})  # fmt: skip
            return "failed"
        return "signed"
