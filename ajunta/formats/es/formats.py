# Django's Spanish formats already write 07/12/2026 23:45; this module only says so explicitly.
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
