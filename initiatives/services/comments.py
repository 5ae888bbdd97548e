"""Writes on comments: post (Markdown, with @mentions) and delete."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from lmi_portal.core.markdown import render_markdown
from lmi_portal.core.notifications import notification_send
from lmi_portal.core.services import activity_record, audit_log
from partners.access import can_view
from partners.models import User

from ..models import Comment, Initiative
from ..permissions import can_comment, can_edit_initiative
from .activity import initiative_touch

COMMENT_MAX_LENGTH = 10000
# More than this many names in one comment is a broadcast, not a mention; the rest are ignored.
MAX_MENTIONS = 20

# "@jan.jansen" (an email's local part) or "@jan.jansen@ddvs.example" (a full address). Not
# preceded by a word character, so a plain email address in the text is no mention.
MENTION_RE = re.compile(r"(?<![\w@.+-])@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")


def mention_tokens(body: str) -> list[str]:
    """The distinct @names in ``body``, lower-cased, in order, at most ``MAX_MENTIONS``."""
    tokens: list[str] = []
    for match in MENTION_RE.finditer(body):
        # A sentence may end right after the name: "vraag het @jan."
        token = match.group(1).rstrip(".-").lower()
        if token and token not in tokens:
            tokens.append(token)
        if len(tokens) >= MAX_MENTIONS:
            break
    return tokens


def mentioned_users(*, body: str, initiative: Initiative) -> list[User]:
    """Active users named in ``body`` who may see ``initiative``; anyone else is left out
    without a trace, so a mention reveals nothing about who exists or who can see what."""
    tokens = mention_tokens(body)
    if not tokens:
        return []
    query = Q()
    for token in tokens:
        if "@" in token:
            query |= Q(email__iexact=token)
        else:
            query |= Q(email__istartswith=f"{token}@")
    candidates = User.objects.filter(query, is_active=True).order_by("pk")
    return [user for user in candidates if can_view(user, initiative)]


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Schrijf eerst een reactie.")})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _(
                    "Een reactie is hoogstens %(limit)d tekens lang; deze is %(length)d tekens."
                )
                % {"limit": COMMENT_MAX_LENGTH, "length": len(body)}
            }
        )
    return body


@transaction.atomic
def comment_create(*, actor: User, initiative: Initiative, body: str) -> Comment:
    """Post a comment; people it mentions who may see the initiative are told in-app."""
    if not (can_comment(actor, initiative) and can_view(actor, initiative)):
        raise PermissionDenied(_("Dat mag u bij dit initiatief niet doen."))
    body = _clean_body(body)
    comment = Comment(
        initiative=initiative, author=actor, body=body, body_html=render_markdown(body)
    )
    comment.full_clean()
    comment.save()
    mentioned = mentioned_users(body=body, initiative=initiative)
    if mentioned:
        author = str(actor)
        notification_send(
            recipients=mentioned,
            verb="comment.mentioned",
            email_event="mentioned",
            text=lambda: (
                _("%(author)s noemde u in een reactie bij “%(initiative)s”.")
                % {"author": author, "initiative": initiative.title}
            ),
            url=f"{initiative.get_absolute_url()}#comment-{comment.pk}",
            target=initiative,
            actor=actor,
        )
    activity_record(verb="initiative.commented", target=initiative, actor=actor, summary=body[:200])
    initiative_touch(initiative)
    return comment


def can_delete_comment(user: User, comment: Comment) -> bool:
    """The author, or an editor of the initiative."""
    if comment.author_id is not None and comment.author_id == user.pk:
        return True
    return can_edit_initiative(user, comment.initiative)


@transaction.atomic
def comment_delete(*, actor: User, comment: Comment) -> None:
    """Remove a comment for good; the audit trail keeps who removed whose comment."""
    if not can_delete_comment(actor, comment):
        raise PermissionDenied(_("Dat mag u bij dit initiatief niet doen."))
    initiative = comment.initiative
    data = {"comment": comment.pk, "author": comment.author_id}
    Comment.objects.filter(pk=comment.pk).delete()
    audit_log(action="comment.deleted", actor=actor, target=initiative, data=data)
    activity_record(verb="initiative.comment_deleted", target=initiative, actor=actor)
    initiative_touch(initiative)
