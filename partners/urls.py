"""All partners URLs, one module per area, in the ``partners`` namespace."""

from . import urls_beheer, urls_directory, urls_invitations, urls_members, urls_notifications

app_name = "partners"

urlpatterns = [
    *urls_directory.urlpatterns,
    *urls_members.urlpatterns,
    *urls_invitations.urlpatterns,
    *urls_beheer.urlpatterns,
    *urls_notifications.urlpatterns,
]
