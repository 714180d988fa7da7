"""The provider's look, from settings: name, logo and colours (docs/design.md, "Theming").

The colours become CSS custom properties in a small stylesheet served at /theme.css, loaded after
Bootstrap; a strict Content-Security-Policy forbids inline styles, so they cannot go in the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.templatetags.static import static

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Brand:
    name: str
    logo_url: str
    primary: str
    primary_dark: str
    accent: str


def _colour(value: str, default: str) -> str:
    """A #rrggbb colour from settings; anything else (a typo, an injection) falls back."""
    return value if HEX_COLOUR.match(value or "") else default


def brand() -> Brand:
    return Brand(
        name=settings.BRAND_NAME or "Ajunta",
        logo_url=settings.BRAND_LOGO_URL or static("favicon.svg"),
        primary=_colour(settings.BRAND_PRIMARY, "#0b4f8a"),
        primary_dark=_colour(settings.BRAND_PRIMARY_DARK, "#083a66"),
        accent=_colour(settings.BRAND_ACCENT, "#ffbf47"),
    )


def _rgb(colour: str) -> str:
    return ", ".join(str(int(colour[i : i + 2], 16)) for i in (1, 3, 5))


def theme_css(look: Brand) -> str:
    """Bootstrap's custom properties for the provider's colours."""
    return (
        ":root{"
        f"--ajunta-primary:{look.primary};--ajunta-primary-dark:{look.primary_dark};"
        f"--ajunta-accent:{look.accent};"
        f"--bs-primary:{look.primary};--bs-primary-rgb:{_rgb(look.primary)};"
        f"--bs-link-color:{look.primary};--bs-link-color-rgb:{_rgb(look.primary)};"
        f"--bs-link-hover-color:{look.primary_dark};"
        f"--bs-link-hover-color-rgb:{_rgb(look.primary_dark)};"
        f"--bs-focus-ring-color:{look.accent};"
        "}\n"
        ".btn-primary{"
        f"--bs-btn-bg:{look.primary};--bs-btn-border-color:{look.primary};"
        f"--bs-btn-hover-bg:{look.primary_dark};--bs-btn-hover-border-color:{look.primary_dark};"
        f"--bs-btn-active-bg:{look.primary_dark};--bs-btn-active-border-color:{look.primary_dark};"
        f"--bs-btn-disabled-bg:{look.primary};--bs-btn-disabled-border-color:{look.primary};"
        "}\n"
        ".btn-outline-primary{"
        f"--bs-btn-color:{look.primary};--bs-btn-border-color:{look.primary};"
        f"--bs-btn-hover-bg:{look.primary};--bs-btn-hover-border-color:{look.primary};"
        f"--bs-btn-active-bg:{look.primary_dark};--bs-btn-active-border-color:{look.primary_dark};"
        "}\n"
    )
