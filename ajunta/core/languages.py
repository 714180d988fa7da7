"""Which language a request speaks, and which language translated content falls back to.

One rule for the whole site (docs/design.md, "Languages"):

- HTML pages: the language the reader chose with the switcher (the language cookie) > the user's
  preference (`User.preferred_language`, empty: none) > the organization's language (on pages of an
  organization, `/o/<slug>/...`) > the browser's `Accept-Language` > `settings.LANGUAGE_CODE`.
- API (`/api/...`): the `Accept-Language` header > the user's preference > the organization's
  language > `settings.LANGUAGE_CODE`. A machine client states its language with the header.

`LanguageMiddleware` decides before the view runs (no organization known yet); the tenant base
view and API view call `activate_for_org` once they resolved the organization.

Translated content (django-modeltranslation fields: procedure names, categories, units, catalogue
services) is read in the active language, else in the organization's language, else in any of
the site's languages: `ORGANIZATION_FIRST` is the fallback those fields are registered with.

This module imports no model, so settings and translation registrations can import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

LANGUAGE_CODES = ("ca", "es", "en")

_org_language: ContextVar[str | None] = ContextVar("ajunta_org_language", default=None)


def org_language() -> str | None:
    """The language of the organization the current request works in, if any."""
    return _org_language.get()


def content_languages() -> tuple[str, ...]:
    """Where translated content falls back to: the organization's language, then the site's."""
    first = org_language()
    rest = (settings.LANGUAGE_CODE, *LANGUAGE_CODES)
    return tuple(dict.fromkeys((first, *rest) if first else rest))


class OrganizationFirstFallback(dict):
    """modeltranslation's fallback table, whose "default" entry is computed per request."""

    def get(self, key: Any, default: Any = None) -> Any:
        if key == "default":
            return content_languages()
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        if key == "default":
            return content_languages()
        return super().__getitem__(key)


ORGANIZATION_FIRST = OrganizationFirstFallback(default=LANGUAGE_CODES)


def supported(code: str | None) -> str | None:
    """`code` (or its base language: en-GB -> en) if the site speaks it."""
    if not code:
        return None
    code = code.lower()
    for candidate in (code, code.split("-")[0]):
        if candidate in LANGUAGE_CODES:
            return candidate
    return None


def from_accept_language(request: HttpRequest) -> str | None:
    header = request.headers.get("Accept-Language", "")
    for code, _quality in parse_accept_lang_header(header):
        if code != "*" and (language := supported(code)):
            return language
    return None


def user_language(user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return supported(getattr(user, "preferred_language", ""))


def choose_language(request: HttpRequest, *, org: Any = None, user: Any = None) -> str:
    """The request's language by the rule above; `user` overrides `request.user` (API tokens)."""
    is_api = request.path.startswith("/api/")
    explicit = (
        from_accept_language(request)
        if is_api
        else supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    )
    return (
        explicit
        or user_language(user if user is not None else getattr(request, "user", None))
        or supported(getattr(org, "language", ""))
        or (None if is_api else from_accept_language(request))
        or settings.LANGUAGE_CODE
    )


def language_for(*, user: Any = None, org: Any = None) -> str:
    """The language to write to a user outside a request (e-mails, notifications)."""
    return user_language(user) or supported(getattr(org, "language", "")) or settings.LANGUAGE_CODE


def activate_for_org(request: Any, org: Any) -> None:
    """Called by the tenant base views once they know the organization (and the API user)."""
    language = choose_language(
        getattr(request, "_request", request), org=org, user=getattr(request, "user", None)
    )
    translation.activate(language)
    request.LANGUAGE_CODE = language
    if hasattr(request, "_request"):
        request._request.LANGUAGE_CODE = language
    _org_language.set(supported(getattr(org, "language", "")))


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (Vary and Content-Language headers) with our choice of language.

    It runs after AuthenticationMiddleware, so that the user's preference is known.
    """

    async_capable = False

    def __call__(self, request: HttpRequest) -> Any:
        token = _org_language.set(None)
        try:
            return super().__call__(request)
        finally:
            _org_language.reset(token)

    def process_request(self, request: HttpRequest) -> None:
        language = choose_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language


Translations = Mapping[str, Mapping[str, str]]


def translated_columns(fields: Iterable[str], translations: Translations | None) -> dict[str, str]:
    """`{"es": {"name": "Queja"}}` -> `{"name_es": "Queja"}`: the columns a service writes besides
    the value it was given (which goes to the active language). Unknown languages or fields are
    a programming error."""
    allowed = set(fields)
    columns: dict[str, str] = {}
    for language, values in (translations or {}).items():
        if language not in LANGUAGE_CODES or not set(values) <= allowed:
            raise ValueError(f"Cannot translate {sorted(values)} into {language!r}.")
        columns.update({f"{field}_{language}": text.strip() for field, text in values.items()})
    return columns


def is_translated(model: Any, field: str) -> bool:
    """Whether `model.field` is one of the translated content fields (modeltranslation)."""
    from modeltranslation.translator import NotRegistered, translator

    try:
        return field in translator.get_options_for_model(model).all_fields
    except NotRegistered:
        return False


def with_translations(*paths: str) -> tuple[str, ...]:
    """`only()`'s columns for translated fields reached through a relation, with one column per
    language: `with_translations("destination_unit__name")`. Without them, reading the field
    loads its translations row by row."""
    return tuple(f"{path}{suffix}" for path in paths for suffix in ("", "_ca", "_es", "_en"))


def localized(path: str) -> Coalesce:
    """A translated column read in the active language with the content fallback, as one SQL
    expression: for `values()` across relations and subqueries, where modeltranslation's own
    fallback does not reach (`localized("procedure__name")`)."""
    order = (translation.get_language() or settings.LANGUAGE_CODE, *content_languages())
    columns = [NullIf(F(f"{path}_{code}"), Value("")) for code in dict.fromkeys(order)]
    return Coalesce(*columns, F(path), output_field=CharField())
