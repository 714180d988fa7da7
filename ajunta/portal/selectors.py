"""Reads of the citizens' side: a citizen's own filings.

A citizen reads only what they filed: every lookup here starts from `registry.selectors.filings_of`,
so another person's entry is missing, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ajunta.cases import selectors as cases_selectors
from ajunta.registry import selectors as registry_selectors
from ajunta.registry.models import RegistryEntry


def citizen_filings(*, user: Any) -> QuerySet[RegistryEntry]:
    """What `user` filed online, in any organization, newest first."""
    return registry_selectors.filings_of(user=user)


def citizen_filing(*, user: Any, pk: Any) -> RegistryEntry:
    """One entry `user` filed, with its parties and attachments. DoesNotExist for anyone else's."""
    entry = citizen_filings(user=user).get(pk=pk)
    return registry_selectors.entry_get(org=entry.organization, pk=entry.pk)


# --- case files and notifications ----------------------------------------------------------------
# Found by the identity number of the citizen's account (user.nif) among the interested parties.
def citizen_notifications(*, user: Any) -> QuerySet:
    return cases_selectors.citizen_notifications(user=user)


def citizen_pending_notifications(*, user: Any, now: Any) -> list[Any]:
    return cases_selectors.citizen_pending_notifications(user=user, now=now)


def citizen_notification(*, user: Any, pk: Any) -> Any:
    return cases_selectors.citizen_notification_get(user=user, pk=pk)


def citizen_cases(*, user: Any) -> QuerySet:
    return cases_selectors.citizen_cases(user=user)


def citizen_case(*, user: Any, pk: Any) -> Any:
    return cases_selectors.citizen_case_get(user=user, pk=pk)


def citizen_case_document(*, user: Any, case_pk: Any, pk: Any) -> Any:
    return cases_selectors.citizen_published_document(user=user, case_pk=case_pk, pk=pk)
