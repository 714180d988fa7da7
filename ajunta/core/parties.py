"""The vocabulary of an interested party (interessat), shared by every app that records one:
registry entries, SIR interchanges and case files. The codes are SICRES's, so a party copies
from one to another unchanged. Validation lives in registry.services.party_clean."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyRole(models.TextChoices):
    INTERESTED = "interested", _("Interested party")
    REPRESENTATIVE = "representative", _("Representative")


class PersonType(models.TextChoices):
    NATURAL = "natural", _("Natural person")
    LEGAL = "legal", _("Legal person")


class IdType(models.TextChoices):
    # SICRES Tipo_Documento_Identificacion: N NIF, C CIF, P passport, E NIE, X other
    NIF = "N", _("NIF")
    CIF = "C", _("CIF")
    PASSPORT = "P", _("Passport")
    NIE = "E", _("NIE")
    OTHER = "X", _("Other")
