"""All network URLs, one module per area, in the ``network`` namespace (under /netwerk/)."""

from . import (
    urls_continuity,
    urls_handovers,
    urls_people,
    urls_privacy,
    urls_stale,
    urls_ties,
)

app_name = "network"

urlpatterns = [
    *urls_people.urlpatterns,
    *urls_ties.urlpatterns,
    *urls_stale.urlpatterns,
    *urls_continuity.urlpatterns,
    *urls_handovers.urlpatterns,
    *urls_privacy.urlpatterns,
]
