from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Netwerk")

    def ready(self) -> None:
        from lmi_portal.core.registry import membership_listeners

        from .services.affiliations import affiliation_sync_from_membership

        membership_listeners.register("network", affiliation_sync_from_membership)

        from lmi_portal.core.registry import demo_seeders, scale_seeders, search_providers

        from . import demo
        from .selectors_search import person_search_hits

        search_providers.register("people", person_search_hits, order=60)

        demo_seeders.register("network", demo.seed_demo, order=20)
        scale_seeders.register("network", demo.seed_scale, order=20)
