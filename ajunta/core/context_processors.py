from typing import Any

from django.http import HttpRequest

from ajunta.core.tenancy import user_organizations


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs: the current organization and the switcher's list, lazily."""
    return {
        "current_org": getattr(request, "org", None),
        "current_roles": getattr(request, "org_roles", frozenset()),
        "switchable_orgs": lambda: list(user_organizations(request.user)),
    }
