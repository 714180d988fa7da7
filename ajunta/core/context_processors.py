from typing import Any

from django.http import HttpRequest

from ajunta.core.tenancy import PERMISSIONS, user_organizations


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs: the current organization, what the user may do there, and the
    organization switcher's list (evaluated only when a template uses it)."""
    roles: frozenset[str] = getattr(request, "org_roles", frozenset())
    return {
        "current_org": getattr(request, "org", None),
        "current_roles": roles,
        "org_perms": {name for name, allowed in PERMISSIONS.items() if roles & allowed},
        "switchable_orgs": lambda: list(user_organizations(request.user)),
    }
