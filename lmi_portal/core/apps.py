from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "lmi_portal.core"
    label = "core"
    verbose_name = _("Kern")

    def ready(self) -> None:
        from .registry import demo_seeders
        from .vocabularies import seed_demo

        demo_seeders.register("vocabularies", seed_demo, order=0)
