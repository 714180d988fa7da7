"""Names citizens read, in Catalan, Spanish and English (docs/design.md, "Languages")."""

from modeltranslation.translator import TranslationOptions, register

from ajunta.appointments.models import Office, Service
from ajunta.core.languages import ORGANIZATION_FIRST


@register(Office)
class OfficeTranslation(TranslationOptions):
    fields = ("name", "accessibility")
    fallback_languages = ORGANIZATION_FIRST


@register(Service)
class ServiceTranslation(TranslationOptions):
    fields = ("name", "description", "documents_to_bring")
    fallback_languages = ORGANIZATION_FIRST
