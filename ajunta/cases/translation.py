"""Procedure names and descriptions in Catalan, Spanish and English (docs/design.md, "Languages")."""

from modeltranslation.translator import TranslationOptions, register

from ajunta.cases.models import Procedure
from ajunta.core.languages import ORGANIZATION_FIRST


@register(Procedure)
class ProcedureTranslation(TranslationOptions):
    fields = ("name", "description")
    fallback_languages = ORGANIZATION_FIRST
