"""Category names in Catalan, Spanish and English (docs/design.md, "Languages")."""

from modeltranslation.translator import TranslationOptions, register

from ajunta.core.languages import ORGANIZATION_FIRST
from ajunta.helpdesk.models import Category


@register(Category)
class CategoryTranslation(TranslationOptions):
    # full_name is the path of names, so it has one per language too (helpdesk.services).
    fields = ("name", "full_name")
    fallback_languages = ORGANIZATION_FIRST
