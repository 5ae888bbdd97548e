"""The load test leaves the data set as it found it: the comments it posted go afterwards."""

from __future__ import annotations

import importlib.util
import sys
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from initiatives.models import Comment
from tests.factories import CommentFactory, UserFactory

LOAD = Path(__file__).resolve().parent.parent / "bench" / "load.py"


def _load_module():
    spec = importlib.util.spec_from_file_location("bench_load", LOAD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_load_removes_only_the_comments_it_posted(db, capsys):
    load = _load_module()
    start = timezone.now()
    partner = UserFactory(email="partner-7@scale.example")
    person = UserFactory(email="someone@kmweg.example")
    posted = CommentFactory(author=partner, body=load.COMMENT)
    same_text_by_a_person = CommentFactory(author=person, body=load.COMMENT)
    own_words = CommentFactory(author=partner, body="Eigen woorden.")
    before = CommentFactory(author=partner, body=load.COMMENT)
    Comment.objects.filter(pk=before.pk).update(created_at=start - timedelta(hours=1))
    load.cleanup_child(start.isoformat())
    assert "removed the 1 comments" in capsys.readouterr().out
    left = set(Comment.objects.values_list("pk", flat=True))
    assert posted.pk not in left
    assert {same_text_by_a_person.pk, own_words.pk, before.pk} <= left
    sys.modules.pop("run", None)
