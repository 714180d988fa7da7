"""The case list's display values built in Python, and its filter form's lighter field template,
show what Django's template filters and field template showed."""

from __future__ import annotations

import re

from django.test import SimpleTestCase
from django.utils import translation

from ajunta.cases.forms import CaseFilterForm


class FilterFormMarkupTests(SimpleTestCase):
    def test_the_case_list_filters_render_as_with_djangos_field_template(self) -> None:
        def squeezed(html: str) -> str:
            return re.sub(r"\s+", " ", html).strip()

        states = [
            None,
            {"status": "open", "mine": "on"},
            {"q": '<b>"x"</b>', "overdue": "on"},
            {"q": "x" * 150, "status": "unknown"},  # both fields with errors
        ]
        for language in ("ca", "es", "en"):
            with translation.override(language):
                for data in states:
                    ours, djangos = CaseFilterForm(data), CaseFilterForm(data)
                    for field in djangos.fields.values():
                        field.template_name = None  # type: ignore[attr-defined]
                    for name in ours.fields:
                        self.assertEqual(
                            squeezed(ours[name].as_field_group()),
                            squeezed(djangos[name].as_field_group()),
                            (language, data, name),
                        )
