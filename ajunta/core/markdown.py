"""The one Markdown renderer: text people write (public pages, knowledge-base articles, edicts)
shown as cleaned HTML. nh3 keeps only harmless tags, links with safe schemes and, where the
caller allows them, images: no script, no style, no event handler survives."""

from __future__ import annotations

import markdown  # type: ignore[import-untyped]
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = frozenset({
    "a", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
})  # fmt: skip


def render_markdown(text: str, *, images: bool = False) -> SafeString:
    """Markdown to HTML with only the tags above (and <img> when `images`)."""
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists"])
    attributes: dict[str, set[str]] = {"a": {"href", "title"}}
    tags = set(ALLOWED_TAGS)
    if images:
        tags.add("img")
        attributes["img"] = {"src", "alt", "title"}
    clean = nh3.clean(
        html,
        tags=tags,
        attributes=attributes,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308  (sanitized by nh3 just above)
