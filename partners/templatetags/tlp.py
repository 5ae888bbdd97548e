"""``{% tlp_badge item %}``: the TLP marking of a shareable item as a badge.

A tag rather than an included template because lists and the board show it on every card, and
an include costs more than the rest of the card's markings together."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..models import TLP, Shareable

register = template.Library()


@register.simple_tag
def tlp_badge(item: Shareable) -> SafeString:
    label = "AMBER+STRICT" if item.tlp == TLP.AMBER_STRICT else str(item.tlp).upper()
    badge = '<span class="badge tlp-{}" title="{}">TLP:{}</span>'
    return format_html(badge, item.tlp, item.get_tlp_display(), label)
