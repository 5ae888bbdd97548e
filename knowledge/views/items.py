"""Sharing, reading and editing one knowledge item; publishing, archiving, "still valid" and a
lesson's stage.

Every view loads the item through ``selectors.items.knowledge_get`` (404 when the user may not
see it, also for drafts of other organisations) and then asks the permission it needs; a user
who may see the item but not do this gets a 404 as well, for GET and POST alike, and nothing is
written. The one-click actions answer htmx with the refreshed fragment and a plain form post
with a redirect.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from partners.http import AuthedHttpRequest

from ..forms import KIND_DESCRIPTIONS, ArchiveForm, KnowledgeItemForm, LessonStageForm
from ..models import KnowledgeItem
from ..permissions import (
    can_attest_item,
    can_change_lesson_stage,
    can_create_item,
    can_edit_item,
    can_publish_item,
)
from ..selectors import items as selectors
from ..selectors.documents import version_panel_context
from ..services import items as services
from ..services import lessons
from ..uploads import keep_sent_file_names

Kind = KnowledgeItem.Kind
Status = KnowledgeItem.Status
# Where a one-click action was taken: on the item's page (default) or in the review list.
FROM_REVIEW = "review"


def _done(request: AuthedHttpRequest, url: str, message: str) -> HttpResponse:
    """After a valid POST: to ``url`` with a message, by HX-Redirect for htmx."""
    messages.success(request, message)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _add_service_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form's fields (or on top of the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _item_or_404(request: AuthedHttpRequest, pk: int, allowed: Any) -> KnowledgeItem:
    """The item if the user may see it and ``allowed(user, item)``; anything else is a 404."""
    item = selectors.knowledge_get(user=request.user, pk=pk)
    if not allowed(request.user, item):
        raise Http404
    return item


# --- Sharing and editing --------------------------------------------------------------------


@keep_sent_file_names
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def item_create(request: AuthedHttpRequest) -> HttpResponse:
    """First the kind (a choice of links, no JavaScript needed), then a short form for it."""
    if not can_create_item(request.user):
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind", "")
    if kind not in Kind.values:
        if request.method == "POST":  # a form without a kind we know: say so, ask again
            messages.error(request, _("Kies een soort uit de lijst."))
        kinds = [(code, label, KIND_DESCRIPTIONS[code]) for code, label in Kind.choices]
        return render(request, "knowledge/kind_choice.html", {"kinds": kinds})
    if request.method == "POST":
        form = KnowledgeItemForm(request.POST, request.FILES, user=request.user, kind=kind)
    else:
        form = KnowledgeItemForm(user=request.user, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.knowledge_item_create(actor=request.user, **form.create_kwargs())
        except PermissionDenied as exc:
            form.add_error("owner_organisation", str(exc))
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            message = (
                _("Concept opgeslagen. Alleen uw organisatie ziet het, tot u het publiceert.")
                if item.status == Status.DRAFT
                else _("Kennisitem gedeeld.")
            )
            return _done(request, item.get_absolute_url(), message)
    form.keep_file_selection()
    template = "knowledge/form.html"
    if request.htmx:
        template += "#item-form"
    return render(request, template, {"form": form, "item": None})


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def item_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk, can_edit_item)
    form = KnowledgeItemForm(request.POST or None, user=request.user, item=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.knowledge_item_update(actor=request.user, item=item, **form.update_kwargs())
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            return _done(request, item.get_absolute_url(), _("Wijzigingen opgeslagen."))
    template = "knowledge/form.html"
    if request.htmx:
        template += "#item-form"
    return render(request, template, {"form": form, "item": item})


# --- Reading --------------------------------------------------------------------------------


def lesson_steps(item: KnowledgeItem) -> list[dict[str, Any]]:
    """The lesson's stages in order, each marked done, current or still to come."""
    codes = list(KnowledgeItem.LessonStage.values)
    current = codes.index(item.lesson_stage) if item.lesson_stage in codes else -1
    return [
        {
            "code": code,
            "label": label,
            "number": n + 1,
            "done": n < current,
            "current": n == current,
        }
        for n, (code, label) in enumerate(KnowledgeItem.LessonStage.choices)
    ]


def _item_context(request: AuthedHttpRequest, item: KnowledgeItem) -> dict[str, Any]:
    """What the item's page and its fragments show; permissions decided here, not in templates."""
    user = request.user
    can_attest = can_attest_item(user, item)
    return {
        "item": item,
        "can_edit": can_edit_item(user, item),
        "can_attest": can_attest and item.status == Status.PUBLISHED,
        "can_archive": can_attest and item.status != Status.ARCHIVED,
        "can_publish": can_publish_item(user, item),
        "can_change_stage": can_change_lesson_stage(user, item),
        "lesson_steps": lesson_steps(item) if item.kind == Kind.LESSON else [],
        "archive_form": ArchiveForm(),
    }


@require_GET
def item_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    # A plain function view, so that a decorator (e.g. a CSP for a preview) can wrap it.
    item = selectors.knowledge_get(user=request.user, pk=pk)
    prefetch_related_objects([item], "themes", "systems")
    initiatives = selectors.knowledge_item_initiatives(user=request.user, item=item)
    context = _item_context(request, item)
    context.update(
        related_initiatives=initiatives.related,
        source_initiative=initiatives.source,
    )
    if item.kind == Kind.DOCUMENT:
        context.update(version_panel_context(request.user, item))
    return render(request, "knowledge/detail.html", context)


# --- One-click actions ----------------------------------------------------------------------


def _from_review(request: AuthedHttpRequest) -> bool:
    return request.POST.get("return_to") == FROM_REVIEW


def _back(request: AuthedHttpRequest, item: KnowledgeItem) -> str:
    return reverse("knowledge:review") if _from_review(request) else item.get_absolute_url()


def _review_row(
    request: AuthedHttpRequest, item: KnowledgeItem, *, notice: str = "", error: str = ""
) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "item": item,
        "today": today,
        "soon": today + timedelta(days=selectors.DUE_SOON_DAYS),
        "row_notice": notice,
        "row_error": error,
    }
    return render(request, "knowledge/review.html#review-row", context)


def _still_valid(
    request: AuthedHttpRequest, item: KnowledgeItem, *, notice: str = "", error: str = ""
) -> HttpResponse:
    context = _item_context(request, item)
    context.update(still_valid_notice=notice, still_valid_error=error)
    return render(request, "knowledge/detail.html#still-valid", context)


@require_http_methods(["GET", "POST"])
def item_attest(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """ "Nog steeds geldig": one click by the owner or an organisation admin."""
    item = _item_or_404(request, pk, can_attest_item)
    if request.method == "GET":
        return redirect(item)
    try:
        services.knowledge_item_attest(actor=request.user, item=item)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        return _refused(request, item, exc)
    notice = _("Bevestigd: geldig tot %(date)s.") % {"date": _date(item.review_by)}
    if request.htmx and _from_review(request):
        return _review_row(request, item, notice=notice)
    if request.htmx:
        return _still_valid(request, item, notice=notice)
    messages.success(request, notice)
    return redirect(_back(request, item))


@require_http_methods(["GET", "POST"])
def item_archive(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk, can_attest_item)
    if request.method == "GET":
        return redirect(item)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        return _refused(request, item, ValidationError(list(form.errors["reason"])))
    try:
        services.knowledge_item_archive(
            actor=request.user, item=item, reason=form.cleaned_data["reason"]
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        return _refused(request, item, exc)
    notice = _("Gearchiveerd. Het item staat niet meer in de bibliotheek.")
    if request.htmx and _from_review(request):
        return _review_row(request, item, notice=notice)
    return _done(request, _back(request, item), notice)


@require_http_methods(["GET", "POST"])
def item_publish(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = selectors.knowledge_get(user=request.user, pk=pk)
    if item.status == Status.PUBLISHED and can_edit_item(request.user, item):
        # A second click, or a stale page: nothing to do.
        messages.info(request, _("Dit kennisitem is al gepubliceerd."))
        return redirect(item)
    if not can_publish_item(request.user, item):
        raise Http404
    if request.method == "GET":
        return redirect(item)
    try:
        services.knowledge_item_publish(actor=request.user, item=item)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        return _refused(request, item, exc)
    return _done(request, item.get_absolute_url(), _("Gepubliceerd."))


@require_http_methods(["GET", "POST"])
def item_lesson_stage(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = _item_or_404(request, pk, can_change_lesson_stage)
    if request.method == "GET":
        return redirect(item)
    form = LessonStageForm(request.POST)
    error = notice = ""
    if form.is_valid():
        try:
            lessons.knowledge_lesson_stage_change(
                actor=request.user, item=item, stage=form.cleaned_data["stage"]
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            notice = _("De les staat nu in de fase %(stage)s.") % {
                "stage": KnowledgeItem.LessonStage(item.lesson_stage).label
            }
    else:
        error = " ".join(str(e) for e in form.errors.get("stage", []))
    if request.htmx:
        context = _item_context(request, item)
        context.update(stage_notice=notice, stage_error=error)
        return render(request, "knowledge/detail.html#lesson-stage", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(f"{item.get_absolute_url()}#lesson-stage")


def _refused(request: AuthedHttpRequest, item: KnowledgeItem, exc: ValidationError) -> HttpResponse:
    """A service said no: say why where the click was, change nothing."""
    error = " ".join(exc.messages)
    if request.htmx and _from_review(request):
        return _review_row(request, item, error=error)
    if request.htmx:
        return _still_valid(request, item, error=error)
    messages.error(request, error)
    return redirect(_back(request, item))


def _date(value: Any) -> str:
    return date_format(value, "j F Y")
