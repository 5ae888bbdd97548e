from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InitiativesConfig(AppConfig):
    name = "initiatives"
    verbose_name = _("Initiatieven")

    def ready(self) -> None:
        from lmi_portal.core.registry import (
            collaboration_groups,
            demo_seeders,
            digest_providers,
            handover_movers,
            organisation_sections,
            person_sections,
            scale_seeders,
            search_providers,
        )

        from . import demo, demo_pulse, demo_werkgroep
        from .digest import initiatives_digest_lines
        from .selectors import initiatives as selectors
        from .selectors import search as search_selectors
        from .services import initiatives as services
        from .services import work as work_services

        search_providers.register("initiatives", search_selectors.initiative_search_hits, order=30)
        digest_providers.register("initiatives", initiatives_digest_lines, order=30)
        organisation_sections.register(
            "initiatives", selectors.initiative_organisation_section, order=30
        )
        person_sections.register("initiatives", selectors.initiative_person_section, order=30)
        demo_seeders.register("initiatives", demo.seed_demo, order=30)
        scale_seeders.register("initiatives", demo.seed_scale, order=30)
        demo_seeders.register("pulse", demo_pulse.seed_demo_pulse, order=35)
        scale_seeders.register("pulse", demo_pulse.seed_scale_pulse, order=35)
        demo_seeders.register("werkgroep", demo_werkgroep.seed_demo_werkgroep, order=36)
        scale_seeders.register("werkgroep", demo_werkgroep.seed_scale_werkgroep, order=36)
        collaboration_groups.register("initiatives", selectors.initiative_collaboration_groups)
        handover_movers.register("initiatives", services.initiative_leads_move, order=30)
        handover_movers.register("initiative_deputies", services.initiative_deputies_move, order=31)
        handover_movers.register("initiative_actions", work_services.action_owners_move, order=32)
