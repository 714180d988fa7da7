"""Form pieces every app's forms share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe


class PlainSelect(forms.Select):
    """Django's <select>, markup and all, written in Python: its template renders two more per
    option (about 0.1 ms each). List pages' filters have dozens of options on every view, the
    provider's organization filter a thousand (benchmark, docs/performance.md). Use it as a
    ChoiceField's widget, or with `choices=` on any other field (an IntegerField of pks)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choices = list(iter(self.choices))  # iter(): list() would ask a model field to count
        if any(isinstance(label, list | tuple) for _value, label in choices):
            return super().render(name, value, attrs, renderer)  # option groups: Django's way
        wanted, chosen = self.format_value(value), False
        parts: list[str] = [format_html('<select name="{}"', name)]
        for key, attr in self.build_attrs(self.attrs, attrs).items():
            if attr is not False:  # as django/forms/widgets/attrs.html
                parts.append(
                    f" {escape(key)}"
                    if attr is True
                    else f' {escape(key)}="{conditional_escape(attr)}"'
                )
        parts.append(">")
        for option, label in choices:
            text = "" if option is None else str(option)
            selected = not chosen and text in wanted  # a single select marks the first match
            chosen = chosen or selected
            parts.append(
                format_html(
                    '\n  <option value="{}"{}>{}</option>\n',
                    text,
                    mark_safe(" selected") if selected else "",
                    label,
                )
            )
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308  (every value above went through escaping)


class DateInput(forms.DateInput):
    """The browser's date picker: it takes only ISO dates, whatever the page's language, so the
    value is written as YYYY-MM-DD (a localized "07/12/2026" shows an empty field)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
