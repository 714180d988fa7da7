from typing import Any

from django.http import HttpRequest

from ajunta.core import theme
from ajunta.core.modules import module_menu, module_nav
from ajunta.core.tenancy import PERMISSIONS, user_organizations


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs: the current organization, what the user may do there, and the
    organization switcher's list (evaluated only when a template uses it)."""
    roles: frozenset[str] = getattr(request, "org_roles", frozenset())
    org = getattr(request, "org", None)
    return {
        "current_org": org,
        "module_nav": lambda: module_nav(org, roles) if org is not None else [],
        # the side navigation and breadcrumbs, computed once per page by base.html's {% with %}
        "module_menu": lambda: module_menu(org, roles, request.path) if org is not None else {},
        "current_roles": roles,
        "org_perms": {name for name, allowed in PERMISSIONS.items() if roles & allowed},
        "switchable_orgs": lambda: list(user_organizations(request.user)),
    }


def brand(request: HttpRequest) -> dict[str, Any]:
    """The provider's name and logo for the header (its colours come in /theme.css)."""
    return {"brand": theme.brand()}
