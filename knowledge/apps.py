from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Kennis")

    def ready(self) -> None:
        from lmi_portal.core.registry import (
            demo_seeders,
            digest_providers,
            handover_movers,
            initiative_closed_listeners,
            initiative_sections,
            organisation_sections,
            scale_seeders,
            search_providers,
            werkgroep_sections,
        )

        from . import demo
        from .digest import knowledge_digest_lines
        from .selectors import items as item_selectors
        from .selectors import search as search_selectors
        from .selectors import werkgroep as werkgroep_selectors
        from .services import items as item_services
        from .services import lessons as lesson_services

        search_providers.register("knowledge", search_selectors.knowledge_search_hits, order=40)
        digest_providers.register("knowledge", knowledge_digest_lines, order=40)
        initiative_sections.register("knowledge", item_selectors.knowledge_initiative_section)
        organisation_sections.register(
            "knowledge", item_selectors.knowledge_organisation_section, order=40
        )
        initiative_closed_listeners.register(
            "knowledge_lessons", lesson_services.lessons_from_closed_initiative
        )
        handover_movers.register("knowledge_owners", item_services.knowledge_owners_move, order=40)
        demo_seeders.register("knowledge", demo.seed_demo, order=40)
        scale_seeders.register("knowledge", demo.seed_scale, order=40)
        werkgroep_sections.register("knowledge", werkgroep_selectors.knowledge_werkgroep_section)
