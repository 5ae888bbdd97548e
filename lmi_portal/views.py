"""Project-level pages that draw on several apps."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from initiatives.permissions import can_create_initiative
from initiatives.selectors import initiative_list
from initiatives.selectors.pulse import pulse_open_invitations
from knowledge.selectors.items import knowledge_items_due_for_review
from partners.access import is_active_member, managed_organisation_ids
from partners.decorators import onboarding_allowed
from partners.http import AuthedHttpRequest
from partners.models import Organisation


@onboarding_allowed
@require_GET
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    visible = initiative_list(user=request.user)
    context = {
        "recent_initiatives": list(visible[:8]),
        "initiative_count": visible.count(),
        "can_create": can_create_initiative(request.user),
        "pulse_invitations": list(pulse_open_invitations(user=request.user)[:5]),
        # One bounded query: the first few; the review page has them all.
        "knowledge_due": list(knowledge_items_due_for_review(user=request.user)[:5]),
        # Members of a company that is still onboarding see this page, but no shared content.
        "awaiting_approval": not is_active_member(request.user),
        "managed_organisations": Organisation.objects.filter(
            pk__in=managed_organisation_ids(request.user)
        ).order_by("name"),
    }
    return render(request, "dashboard.html", context)
