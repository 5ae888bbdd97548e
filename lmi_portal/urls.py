from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from lmi_portal.core import views as core_views
from partners.views import directory as partner_views

from . import views

# The Django admin signs in through allauth, with its rate limits and MFA; no second login.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "LMI Portaal — beheer"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("health/", core_views.health, name="health"),
    path("zoeken/", core_views.search, name="search"),
    path("zoeken/live/", core_views.search_live, name="search_live"),
    path("over/", core_views.about, name="about"),
    path("berichten/", include("lmi_portal.core.urls")),
    path("taal/", partner_views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("initiatieven/", include("initiatives.urls")),
    path("", include("partners.urls")),
    path("netwerk/", include("network.urls")),
    path("kennis/", include("knowledge.urls")),
]
