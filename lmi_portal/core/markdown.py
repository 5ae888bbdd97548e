"""Markdown for user-written text: rendered with Python-Markdown, then sanitised with nh3.

Raw HTML in the input is escaped before rendering, and the rendered HTML is cleaned to a small
allow-list, so the result is safe to mark as safe in a template. Links get
``rel="noopener noreferrer nofollow"``.
"""

from __future__ import annotations

import markdown as md
import nh3

ALLOWED_TAGS = {
    "a", "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    """Safe HTML for ``text``; headings start at h3 so they never outrank the page's own."""
    # Escaping "<" first means any HTML the author typed shows as text, not as markup;
    # ">" stays, so block quotes keep working.
    rendered = md.markdown(
        text.replace("<", "&lt;"),
        extensions=["extra", "sane_lists", "nl2br"],
        output_format="html",
    )
    for level in range(2, 0, -1):
        rendered = rendered.replace(f"<h{level}", f"<h{level + 2}").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
