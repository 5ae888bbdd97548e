"""URLs of the privacy pages: one's own data and its export, anonymising (included by
network.urls)."""

from django.urls import path

from .views import privacy as views

urlpatterns = [
    path("mijn-gegevens/", views.my_data, name="my_data"),
    path("personen/<int:pk>/anonimiseren/", views.person_anonymise, name="person_anonymise"),
]
