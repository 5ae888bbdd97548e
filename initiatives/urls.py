from . import (
    urls_actions,
    urls_browse,
    urls_follow,
    urls_initiatives,
    urls_minutes,
    urls_pulse,
    urls_weekly,
    urls_werkgroep,
    urls_work,
)

app_name = "initiatives"

# One module per area; the browse patterns come first so "" and fixed words such as
# "bord/" are matched before "<int:pk>/".
urlpatterns = [
    *urls_browse.urlpatterns,
    *urls_weekly.urlpatterns,
    *urls_werkgroep.urlpatterns,
    *urls_minutes.urlpatterns,
    *urls_actions.urlpatterns,
    *urls_initiatives.urlpatterns,
    *urls_work.urlpatterns,
    *urls_follow.urlpatterns,
    *urls_pulse.urlpatterns,
]
