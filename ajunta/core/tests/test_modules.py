"""Routing into modules: unknown is a refusal (core.modules.org_receives_module)."""

from __future__ import annotations

from types import SimpleNamespace

from django.test import SimpleTestCase

from ajunta.core.modules import org_receives_module, org_uses_module


class ReceivesModuleTests(SimpleTestCase):
    def test_an_organization_that_cannot_say_receives_nothing(self):
        silent = SimpleNamespace()
        self.assertTrue(org_uses_module(silent, "sir"))  # navigation: every module on
        self.assertFalse(org_receives_module(silent, "sir"))  # routing: never on a guess

    def test_the_organizations_answer_decides(self):
        yes = SimpleNamespace(receives_module=lambda code: code == "sir")
        self.assertTrue(org_receives_module(yes, "sir"))
        self.assertFalse(org_receives_module(yes, "cases"))
