"""The allauth seam: invite-only sign-up and all account email through the outbox."""

from __future__ import annotations

import uuid
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils.translation import get_language

from lmi_portal.core.services import outbox_enqueue


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts come from invitations, the admin and seed_demo only.
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        message = self.render_mail(template_prefix, email, {"email": email, **context})
        html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                html = str(content)
        # Every account email (reset link, verification) is a distinct message.
        outbox_enqueue(
            key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4().hex}",
            to=email,
            subject=str(message.subject),
            body_text=str(message.body),
            body_html=html,
            language=get_language() or "nl",
        )
