"""Knowledge-base articles are written in Markdown and shown as cleaned HTML (nh3)."""

from __future__ import annotations

import markdown  # type: ignore[import-untyped]
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip


def render_markdown(text: str) -> SafeString:
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code"])
    clean = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}}, link_rel="noopener noreferrer"
    )
    return mark_safe(clean)  # noqa: S308  (nh3 kept only the tags above, no attributes but links)
