"""Every read of the notice board."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ajunta.core.modules import Figure
from ajunta.noticeboard.models import Edict

STATES = ("in_force", "scheduled", "ended", "withdrawn")


def edicts(
    *, org: Any, state: str = "", q: str = "", now: dt.datetime | None = None
) -> QuerySet[Edict]:
    """The organization's edicts, newest first, optionally in one state and matching `q`."""
    moment = now or timezone.now()
    rows = Edict.objects.filter(organization=org)
    if state == "in_force":
        rows = rows.filter(
            withdrawn_at__isnull=True, visible_from__lte=moment, visible_until__gt=moment
        )
    elif state == "scheduled":
        rows = rows.filter(withdrawn_at__isnull=True, visible_from__gt=moment)
    elif state == "ended":
        rows = rows.filter(withdrawn_at__isnull=True, visible_until__lte=moment)
    elif state == "withdrawn":
        rows = rows.filter(withdrawn_at__isnull=False)
    if q:
        rows = rows.filter(
            Q(number__icontains=q) | Q(title__icontains=q) | Q(reference__icontains=q)
        )
    return rows.order_by("-visible_from", "-id")


def edict_get(*, org: Any, pk: int) -> Edict:
    return Edict.objects.select_related(
        "case", "document", "certificate", "published_by", "withdrawn_by"
    ).get(organization=org, pk=pk)


def public_edicts(*, org: Any, now: dt.datetime | None = None) -> QuerySet[Edict]:
    """What the public board shows: the edicts in force now, the newest first."""
    return edicts(org=org, state="in_force", now=now).select_related("document")


def public_edict_get(*, org: Any, pk: int, now: dt.datetime | None = None) -> Edict:
    """An edict in force, for the public; one that is not (yet, any more) answers DoesNotExist."""
    return public_edicts(org=org, now=now).get(pk=pk)


def edicts_due_certificate(*, now: dt.datetime) -> QuerySet[Edict]:
    """Edicts of every organization whose period is over (or withdrawn) with no certificate."""
    return (
        Edict.objects.filter(certified_at__isnull=True)
        .filter(Q(visible_until__lte=now) | Q(withdrawn_at__isnull=False))
        .select_related("organization", "case")
        .order_by("visible_until", "id")
    )


def organizations_with_board(*, q: str = "") -> QuerySet[Any]:
    """The organizations that have published on their notice board, by name (public index)."""
    from ajunta.tenants.models import Organization

    rows = Organization.objects.filter(pk__in=Edict.objects.values("organization_id")).order_by(
        "name"
    )
    if q:
        rows = rows.filter(name__icontains=q)
    return rows.only("pk", "slug", "name")


def edicts_of_case(*, org: Any, case: Any) -> QuerySet[Edict]:
    return Edict.objects.filter(organization=org, case=case).order_by("-visible_from", "-id")


def work_figures(org: Any, user: Any, roles: frozenset[str], today: dt.date) -> list[Figure]:
    """Dashboard: edicts on the board now, ending within a week, certificates waiting."""
    from django.db.models import Count
    from django.urls import reverse

    now = timezone.now()
    week = now + dt.timedelta(days=7)
    live = Q(withdrawn_at__isnull=True, visible_from__lte=now, visible_until__gt=now)
    counts = Edict.objects.filter(organization=org).aggregate(
        in_force=Count("id", filter=live),
        ending=Count("id", filter=live & Q(visible_until__lte=week)),
        uncertified=Count(
            "id",
            filter=Q(certified_at__isnull=True)
            & (Q(visible_until__lte=now) | Q(withdrawn_at__isnull=False)),
        ),
    )
    url = reverse("noticeboard_list", args=[org.slug])
    return [
        Figure(_("Edicts on the board"), counts["in_force"], f"{url}?state=in_force"),
        Figure(
            _("Ending within a week"),
            counts["ending"],
            f"{url}?state=in_force",
            tone="warn" if counts["ending"] else "",
        ),
        Figure(
            _("Certificates to issue"),
            counts["uncertified"],
            f"{url}?state=ended",
            tone="danger" if counts["uncertified"] else "ok",
            hint=_("Issued automatically every hour"),
        ),
    ]
