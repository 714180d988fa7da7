"""Real browser journeys: Playwright driving Debian's chromium against a live test server.

Every page a journey visits is checked (`BrowserTestCase.check`): axe-core reports no WCAG 2.1 AA
violation, nothing scrolls sideways at 390 px, and a screenshot at 390 and 1280 px is kept under
`test-artifacts/screenshots/` (the CI artifacts; git-ignored). Without /usr/bin/chromium (a laptop)
the journeys are skipped; `.ci/run` installs it (`apt-get install chromium`). Never `playwright
install`: the browser is the distribution's.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.test import Client

from ajunta.core.models import User
from ajunta.core.testing import verify_mfa

CHROMIUM = Path(os.environ.get("AJUNTA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
PHONE, DESKTOP = 390, 1280

# Marks a module of journeys: `pytest -m browser` runs only them, `-m "not browser"` leaves them out.
browser = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no browser at {CHROMIUM}"),
]


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    return "\n".join(lines)


class BrowserTestCase(StaticLiveServerTestCase):
    """A live server, one chromium for the class, and a fresh browser context per test."""

    host = "localhost"  # a secure context: the browser keeps Secure cookies over plain http
    playwright: ClassVar[Any]
    _async_unsafe: ClassVar[str | None]
    browser: ClassVar[Any]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        from playwright.sync_api import sync_playwright

        # Playwright's sync API keeps an event loop in this thread, where Django then refuses the
        # database; the tests are synchronous code all the same (Playwright's documented remedy).
        cls._async_unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )

    @classmethod
    def tearDownClass(cls) -> None:
        cls.browser.close()
        cls.playwright.stop()
        if cls._async_unsafe is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = cls._async_unsafe
        super().tearDownClass()

    def setUp(self) -> None:
        super().setUp()
        # The strict Content-Security-Policy forbids inline scripts: axe is injected as one.
        self.context = self.browser.new_context(
            viewport={"width": DESKTOP, "height": 900},
            bypass_csp=True,
            locale="en-GB",
            accept_downloads=True,
            # Without transitions axe never measures a button half-way from one colour to
            # the next (a just-clicked outline button read 3.19:1 mid-fade in CI).
            reduced_motion="reduce",
        )
        self.context.set_default_timeout(10_000)
        self.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": self.live_server_url}]
        )
        self.addCleanup(self.context.close)
        self.page = self.context.new_page()
        self.shots = 0
        # The folder shows the last run: this journey's earlier screenshots go.
        for old in SCREENSHOTS.glob(f"{self._stem('')}*.png"):
            old.unlink()

    def _stem(self, name: str) -> str:
        return re.sub(r"[^a-z0-9]+", "-", f"{self._testMethodName}-{name}".lower())

    def url(self, path: str) -> str:
        return f"{self.live_server_url}{path}"

    def sign_in(self, user: User, *, mfa: bool = True) -> None:
        """The browser carries the session of `user` (staff with the second factor verified)."""
        client = Client()
        if mfa:
            verify_mfa(client, user)
        else:
            client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
        self.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": cookie.value,
                    "url": self.live_server_url,
                }
            ]
        )

    def go(self, path: str, name: str) -> Any:
        self.page.goto(self.url(path))
        return self.check(name)

    def follow(self, locator: Any, name: str) -> Any:
        """Click `locator` (a link or a submit button), wait for the page it leads to, check it."""
        with self.page.expect_navigation():
            locator.click()
        return self.check(name)

    def check(self, name: str) -> Any:
        """The page now shown passes axe, fits a phone, and is photographed at both widths."""
        page = self.page
        page.wait_for_load_state("load")
        self.shots += 1
        stem = self._stem(f"{self.shots:02d}-{name}")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for width in (DESKTOP, PHONE):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=SCREENSHOTS / f"{stem}-{width}.png", full_page=True)
            if width == PHONE:
                scroll = page.evaluate("document.documentElement.scrollWidth")
                self.assertLessEqual(
                    scroll, PHONE, f"{name} ({page.url}) scrolls sideways at 390 px"
                )
            violations = self.axe()
            self.assertEqual(
                violations,
                [],
                f"axe on {name} ({page.url}) at {width} px:\n{_describe(violations)}",
            )
        page.set_viewport_size({"width": DESKTOP, "height": 900})
        return page

    def axe(self) -> list[dict[str, Any]]:
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        return result["violations"]
