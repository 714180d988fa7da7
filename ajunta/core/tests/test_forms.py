"""core.forms.PlainSelect writes Django's <select> markup without a template per option."""

from __future__ import annotations

from django import forms
from django.test import SimpleTestCase

from ajunta.core.forms import PlainSelect

OPTIONS = [("", "All"), (1, "Abella de la Conca"), (2, "L'Hospitalet <de> Llobregat & co")]


class Filter(forms.Form):
    organization = forms.IntegerField(required=False, widget=PlainSelect(choices=OPTIONS))
    kind = forms.ChoiceField(required=False, choices=OPTIONS, widget=PlainSelect)


class PlainSelectTests(SimpleTestCase):
    def test_the_markup_is_djangos(self) -> None:
        for data in (None, {"organization": "2", "kind": "1"}, {"organization": "x"}):
            form = Filter(data)
            if form.is_bound:
                form.is_valid()  # errors add aria-invalid
            for name in ("organization", "kind"):
                plain = str(form[name])
                form.fields[name].widget = forms.Select(choices=OPTIONS)
                self.assertEqual(plain, str(form[name]), (data, name))

    def test_a_chosen_option_is_selected_and_labels_are_escaped(self) -> None:
        html = str(Filter({"organization": "2"})["organization"])
        self.assertIn(
            '<option value="2" selected>L&#x27;Hospitalet &lt;de&gt; Llobregat &amp; co</option>',
            html,
        )
