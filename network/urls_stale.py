"""URLs of the network app's stale pages (included by network.urls)."""

urlpatterns: list = []
