"""Catalogue services in Catalan, Spanish and English (docs/design.md, "Languages").

Public pages are not registered here: each page already exists once per language (its
`language` field), and a missing language falls back to the organization's (tenants.selectors).
"""

from modeltranslation.translator import TranslationOptions, register

from ajunta.core.languages import ORGANIZATION_FIRST
from ajunta.tenants.models import CatalogueService, SiteIdentity


@register(CatalogueService)
class CatalogueServiceTranslation(TranslationOptions):
    fields = ("name", "description")
    fallback_languages = ORGANIZATION_FIRST


@register(SiteIdentity)
class SiteIdentityTranslation(TranslationOptions):
    fields = ("opening_hours", "accessibility_exceptions")
    fallback_languages = ORGANIZATION_FIRST
