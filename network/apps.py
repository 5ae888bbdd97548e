from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Netwerk")

    def ready(self) -> None:
        from lmi_portal.core.registry import membership_listeners

        from .services.affiliations import affiliation_sync_from_membership

        membership_listeners.register("network", affiliation_sync_from_membership)

        from lmi_portal.core.registry import bouncing_accounts, email_bounce_listeners

        from .selectors_stale import bouncing_account_rows
        from .services.stale import person_email_bounced

        email_bounce_listeners.register("network", person_email_bounced)
        bouncing_accounts.register("network", bouncing_account_rows)

        from lmi_portal.core.registry import (
            demo_seeders,
            digest_providers,
            scale_seeders,
            search_providers,
        )

        from . import demo
        from .digest import network_digest_lines
        from .selectors_search import person_search_hits

        search_providers.register("people", person_search_hits, order=60)
        digest_providers.register("network", network_digest_lines, order=20)

        demo_seeders.register("network", demo.seed_demo, order=20)
        scale_seeders.register("network", demo.seed_scale, order=20)
