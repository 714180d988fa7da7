"""Unit names in Catalan, Spanish and English (docs/design.md, "Languages")."""

from modeltranslation.translator import TranslationOptions, register

from ajunta.core.languages import ORGANIZATION_FIRST
from ajunta.registry.models import Unit


@register(Unit)
class UnitTranslation(TranslationOptions):
    fields = ("name",)
    fallback_languages = ORGANIZATION_FIRST
