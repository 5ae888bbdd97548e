"""URLs of the network app's ties pages (included by network.urls)."""

urlpatterns: list = []
