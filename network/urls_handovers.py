"""URLs of the network app's handovers pages (included by network.urls)."""

urlpatterns: list = []
