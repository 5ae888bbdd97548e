"""URLs of the network app's ties pages (included by network.urls)."""

from django.urls import path

from .views import ties as views

urlpatterns = [
    path("connecties/", views.ties, name="ties"),
    path("connecties/nieuw/", views.tie_declare, name="tie_declare"),
    path("connecties/<int:pk>/bevestigen/", views.tie_confirm, name="tie_confirm"),
    path("connecties/<int:pk>/afwijzen/", views.tie_decline, name="tie_decline"),
    path("voorstellen/", views.introductions, name="introductions"),
]
