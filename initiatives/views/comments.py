"""Comments on an initiative: the list, posting (Markdown, @mentions) and deleting."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from partners.http import AuthedHttpRequest

from ..forms_work import CommentForm
from ..models import Comment
from ..permissions import can_comment
from ..selectors import initiative_get
from ..services import comments as services
from .work import section_saved, section_submit, section_view

SECTION = "comments"


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def comments(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """GET: the comments section. POST: post a comment."""
    if request.method != "POST":
        return section_view(request, pk, SECTION)
    initiative = initiative_get(user=request.user, pk=pk)
    if not can_comment(request.user, initiative):
        raise Http404
    form = CommentForm(request.POST)
    return section_submit(
        request,
        initiative,
        SECTION,
        form=form,
        form_key="comment_form",
        write=lambda data: services.comment_create(
            actor=request.user, initiative=initiative, body=data["body"]
        ),
        notice=_("Reactie geplaatst."),
    )


@require_POST
def comment_delete(request: AuthedHttpRequest, pk: int, comment_pk: int) -> HttpResponse:
    initiative = initiative_get(user=request.user, pk=pk)
    comment = get_object_or_404(Comment, initiative=initiative, pk=comment_pk)
    comment.initiative = initiative
    if not services.can_delete_comment(request.user, comment):
        raise Http404
    services.comment_delete(actor=request.user, comment=comment)
    return section_saved(request, initiative, SECTION, _("Reactie verwijderd."))
