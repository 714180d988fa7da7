"""Signature workflows: a PDF that named persons sign with their own certificates, in order or in
any order, each signature added to the same PDF (PAdES, one incremental revision each).

A workflow holds the document as sent (`original`) and as signed so far (`document`); each step is
one person's signature (or attestation) with what their certificate said. A step is signed through
AutoFirma (`AutofirmaSession`: the browser hands the document to the signer's own application) or
through a remote qualified signing service (CSC API). Nothing here is deleted: a rejected workflow
keeps its reason, and a signed step its certificate's facts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.core.models import Document, TenantModel


class WorkflowMode(models.TextChoices):
    SEQUENTIAL = "sequential", _("In order")
    PARALLEL = "parallel", _("In any order")


class WorkflowStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for signatures")
    COMPLETED = "completed", _("Signed by everyone")
    REJECTED = "rejected", pgettext_lazy("signature", "Rejected")


class StepRole(models.TextChoices):
    SIGN = "sign", _("Signs")
    ATTEST = "attest", _("Attests (the secretary)")


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    SIGNED = "signed", _("Signed")
    REJECTED = "rejected", pgettext_lazy("signature", "Rejected")


class SignatureMethod(models.TextChoices):
    AUTOFIRMA = "autofirma", _("AutoFirma (the signer's certificate on their computer)")
    REMOTE = "remote", _("Remote qualified signature (certificate in the cloud)")


class SignatureWorkflow(TenantModel):
    title = models.CharField(_("title"), max_length=200)
    # Who asked for it and what to tell when it ends: "cases.decree" and the decree's id.
    purpose = models.CharField(_("purpose"), max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    mode = models.CharField(
        _("order"), max_length=10, choices=WorkflowMode.choices, default=WorkflowMode.SEQUENTIAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=WorkflowStatus.choices,
        default=WorkflowStatus.PENDING,
    )  # fmt: skip
    original = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document sent")
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document signed")
    )
    rejected_reason = models.TextField(_("reason for rejecting"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature workflow")
        verbose_name_plural = _("signature workflows")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "purpose", "object_id"], name="sig_wf_purpose"),
        ]

    def __str__(self) -> str:
        return self.title


class SignatureStep(TenantModel):
    workflow = models.ForeignKey(SignatureWorkflow, on_delete=models.PROTECT, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    role = models.CharField(_("role"), max_length=8, choices=StepRole.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("signer"),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING
    )
    method = models.CharField(
        _("signed with"), max_length=10, choices=SignatureMethod.choices, blank=True
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    # What the signer's certificate said, checked when the signature arrived.
    certificate_subject = models.CharField(_("certificate holder"), max_length=300, blank=True)
    certificate_nif = models.CharField(_("NIF in the certificate"), max_length=16, blank=True)
    certificate_issuer = models.CharField(_("certificate issuer"), max_length=300, blank=True)
    certificate_serial = models.CharField(_("certificate serial number"), max_length=64, blank=True)
    certificate_not_after = models.DateTimeField(
        _("certificate valid until"), null=True, blank=True
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("document after this signature"),
    )  # fmt: skip
    rejected_reason = models.TextField(_("reason for rejecting"), max_length=2000, blank=True)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature step")
        verbose_name_plural = _("signature steps")
        ordering = ["workflow", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "workflow", "position"], name="sig_step_position"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "signer", "status"], name="sig_step_signer"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow_id}/{self.position}"


class AutofirmaSession(TenantModel):
    """One hand-over to AutoFirma: the document waits under `file_id` for the application to
    retrieve it (ciphered with `key`, which only the signer's browser and this server know), and
    the signature comes back under `session_id`. Both ids are long random secrets."""

    step = models.ForeignKey(SignatureStep, on_delete=models.PROTECT, related_name="sessions")
    session_id = models.CharField(max_length=40, unique=True)
    file_id = models.CharField(max_length=40, unique=True)
    key = models.CharField(max_length=8)
    request_payload = models.TextField()  # the ciphered request, as the retrieve servlet serves it
    result = models.TextField(blank=True)  # the ciphered answer, as the storage servlet got it
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    retrieved_at = models.DateTimeField(null=True, blank=True)
    stored_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
