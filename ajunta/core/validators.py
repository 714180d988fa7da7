"""Validators for Spanish public-sector identifiers."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_INE_WEIGHTS = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (0, 3, 8, 2, 7, 4, 1, 5, 9, 6),
    (0, 2, 4, 6, 8, 1, 3, 5, 7, 9),
)
_DIR3_RE = re.compile(r"^[A-Z][A-Z0-9]{8}$")


def ine_check_digit(code5: str) -> str:
    """INE's control digit for a 5-digit municipality code (province 2 + municipality 3)."""
    total = sum(_INE_WEIGHTS[2 - i % 3][int(digit)] for i, digit in enumerate(code5))
    return str((10 - total % 10) % 10)


def validate_ine_code(value: str) -> None:
    if not (len(value) == 6 and value.isdigit()):
        raise ValidationError(
            _("An INE code has 6 digits (5 plus the check digit)."), code="format"
        )
    if ine_check_digit(value[:5]) != value[5]:
        raise ValidationError(_("The INE check digit is wrong."), code="check_digit")


def validate_dir3_code(value: str) -> None:
    if not _DIR3_RE.match(value):
        raise ValidationError(
            _("A DIR3 code has 9 characters: a capital letter, then capital letters or digits."),
            code="format",
        )
