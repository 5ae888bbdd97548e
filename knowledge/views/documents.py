"""The files of documents: upload a new version, download any version, preview the latest.

A file is served only after the access policy has answered for its item (404 for anyone who
may not see it, the same answer as for a missing item), and every attempt, served or refused,
leaves an audit row. The response never lets a browser treat the file as part of the site:
``Content-Disposition: attachment`` (inline only for PDF and images in the preview), ``nosniff``
and a CSP that allows nothing and sandboxes whatever the browser renders.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from lmi_portal.core.services import audit_log
from partners.http import AuthedHttpRequest

from .. import storage
from ..forms_documents import DocumentVersionForm
from ..models import DocumentVersion, KnowledgeItem
from ..selectors.documents import can_upload_version, version_panel_context
from ..selectors.items import knowledge_get
from ..services.documents import document_version_add
from ..uploads import INLINE_CONTENT_TYPES, keep_sent_file_names

logger = logging.getLogger(__name__)

# The file's own policy: it may load nothing and run nothing, whatever the browser makes of it.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
# The preview may be framed by the item page (same origin). Chromium's PDF viewer renders under
# this sandboxing CSP (checked with Chromium 156), so the sandbox stays for PDFs too.
PREVIEW_CSP = "default-src 'none'; sandbox; frame-ancestors 'self'"
PANEL_TEMPLATE = "knowledge/_versions.html"
PAGE_TEMPLATE = "knowledge/documents/upload.html"


def content_disposition(disposition: str, name: str) -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''…`` (RFC 6266 / RFC 5987)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_name).strip() or "bestand"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _refused(request: AuthedHttpRequest, pk: int, number: int, reason: str) -> Http404:
    audit_log(
        action="knowledge.download_denied",
        actor=request.user,
        request=request,
        data={"item": pk, "version": number, "reason": reason},
    )
    return Http404()


def _version_for(
    request: AuthedHttpRequest, pk: int, number: int, *, inline: bool
) -> DocumentVersion:
    """The version, if the user may see its item; otherwise an audited 404."""
    try:
        item = knowledge_get(user=request.user, pk=pk)
    except Http404:
        raise _refused(request, pk, number, "not_visible") from None
    version = (
        DocumentVersion.objects.filter(item=item, number=number).defer("extracted_text").first()
    )
    if version is None:
        raise _refused(request, pk, number, "no_such_version")
    version.item = item
    if inline and version.content_type not in INLINE_CONTENT_TYPES:
        raise _refused(request, pk, number, "not_inline")
    if not storage.exists(version.storage_key):
        logger.error("Stored file of document version %s is missing", version.pk)
        raise _refused(request, pk, number, "file_missing")
    return version


def _serve(
    request: AuthedHttpRequest, version: DocumentVersion, *, inline: bool
) -> HttpResponseBase:
    audit_log(
        action="knowledge.download",
        actor=request.user,
        target=version.item,
        request=request,
        data={"version": version.number, "inline": inline, "sha256": version.sha256},
    )
    response: HttpResponse | FileResponse
    if settings.KNOWLEDGE_X_ACCEL_PREFIX:
        # nginx serves the bytes from its internal location; see the compose setup.
        response = HttpResponse(content_type=version.content_type)
        response["X-Accel-Redirect"] = storage.x_accel_uri(version.storage_key)
    else:
        response = FileResponse(
            storage.open_stored(version.storage_key), content_type=version.content_type
        )
    response["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment", version.original_name
    )
    response["Content-Security-Policy"] = PREVIEW_CSP if inline else DOWNLOAD_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def version_download(request: AuthedHttpRequest, pk: int, version: int) -> HttpResponseBase:
    return _serve(request, _version_for(request, pk, version, inline=False), inline=False)


@require_GET
@xframe_options_sameorigin
def version_preview(request: AuthedHttpRequest, pk: int, version: int) -> HttpResponseBase:
    """PDF and images, shown in the item page; other types have no preview (404)."""
    return _serve(request, _version_for(request, pk, version, inline=True), inline=True)


def _add_service_errors(form: DocumentVersionForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error("file", exc)


@keep_sent_file_names
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def version_upload(request: AuthedHttpRequest, pk: int) -> HttpResponseBase:
    """GET: the upload form on a page of its own (without JavaScript). POST: add a version;
    an htmx request gets the panel back with the errors, or a redirect to the item page."""
    item = knowledge_get(user=request.user, pk=pk)
    if item.kind != KnowledgeItem.Kind.DOCUMENT:
        raise Http404
    if not can_upload_version(request.user, item):
        raise PermissionDenied
    posted = request.method == "POST"
    form = DocumentVersionForm(request.POST, request.FILES) if posted else DocumentVersionForm()
    if posted and form.is_valid():
        try:
            added = document_version_add(
                actor=request.user,
                item=item,
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
                validated=form.validated,
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Versie %(number)s (%(name)s) is toegevoegd.")
                % {"number": added.number, "name": added.original_name},
            )
            if request.htmx:
                # No fragment: on the item page itself, a change of fragment alone would not
                # load the page again.
                return HttpResponseClientRedirect(item.get_absolute_url())
            return redirect(f"{item.get_absolute_url()}#versions")
    context = version_panel_context(request.user, item, form=form)
    context["item"] = item
    fragment = request.htmx and not request.htmx.boosted
    return render(request, PANEL_TEMPLATE if fragment else PAGE_TEMPLATE, context)
