"""The UI is Dutch first; the English catalogue must be complete and compiled."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries() -> list[tuple[str, list[str], bool]]:
    entries = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not msgid:
            continue
        text = "".join(re.findall(r'"(.*)"', msgid.group(1)))
        if not text:
            continue
        strs = [
            "".join(re.findall(r'"(.*)"', m))
            for m in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        ]
        entries.append((text, strs, "#, fuzzy" in block or "#~" in block))
    return entries


def test_english_catalogue_is_complete():
    entries = _entries()
    assert len(entries) > 100
    untranslated = [msgid for msgid, strs, _fuzzy in entries if not all(strs)]
    fuzzy = [msgid for msgid, _strs, is_fuzzy in entries if is_fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_matches_the_source():
    with MO.open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    for msgid, strs, _fuzzy in _entries():
        if "%(" in msgid and len(strs) > 1:
            continue  # plural forms are keyed differently; the completeness test covers them
        assert catalogue.gettext(_unescape(msgid)) == _unescape(strs[0]), msgid


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", "\n")


@pytest.mark.django_db
def test_pages_render_in_english_when_chosen(client, member):
    member.language = "en"
    member.save()
    client.force_login(member)
    body = client.get(reverse("initiatives:list")).content.decode()
    assert "Skip to content" in body
    assert "This portal contains no classified information." in body
    assert "Naar de inhoud" not in body
