from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from lmi_portal.core.registry import (
            demo_seeders,
            digest_access,
            digest_providers,
            digest_recipients,
            scale_seeders,
            search_providers,
        )

        from . import demo, digest, signals  # noqa: F401  (signal receivers register on import)
        from .selectors_search import organisation_search_hits

        search_providers.register("organisations", organisation_search_hits, order=50)
        demo_seeders.register("partners", demo.seed_demo, order=10)
        scale_seeders.register("partners", demo.seed_scale, order=10)
        digest_recipients.register("partners", digest.digest_recipients)
        digest_access.register("partners", digest.digest_access)
        digest_providers.register("partners", digest.partners_digest_lines, order=10)
