"""Reads of signature workflows, always within one organization."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ajunta.signatures.models import AutofirmaSession, SignatureStep, SignatureWorkflow, StepStatus


def workflows(*, org: Any) -> QuerySet[SignatureWorkflow]:
    return SignatureWorkflow.objects.filter(organization=org)


def workflow_get(*, org: Any, pk: Any) -> SignatureWorkflow:
    return workflows(org=org).select_related("document", "original").get(pk=pk)


def workflow_steps(*, org: Any, workflow: SignatureWorkflow) -> list[SignatureStep]:
    return list(
        SignatureStep.objects.filter(organization=org, workflow=workflow)
        .select_related("signer")
        .order_by("position")
    )


def workflows_for(*, org: Any, purpose: str, object_id: Any) -> QuerySet[SignatureWorkflow]:
    return workflows(org=org).filter(purpose=purpose, object_id=str(object_id))


def step_get(*, org: Any, pk: Any) -> SignatureStep:
    return (
        SignatureStep.objects.filter(organization=org)
        .select_related("workflow", "signer")
        .get(pk=pk)
    )


def steps_waiting_for(*, org: Any, user: Any) -> QuerySet[SignatureStep]:
    """The steps `user` has still to sign in `org` (open now or later in their workflow)."""
    return (
        SignatureStep.objects.filter(
            organization=org,
            signer=user,
            status=StepStatus.WAITING,
            workflow__status="pending",
        )
        .select_related("workflow")
        .order_by("workflow__created_at", "position")
    )


def session_get(*, org: Any, pk: Any) -> AutofirmaSession:
    return AutofirmaSession.objects.filter(organization=org).select_related("step").get(pk=pk)
