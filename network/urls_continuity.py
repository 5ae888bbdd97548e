"""URLs of the network app's continuity pages (included by network.urls)."""

urlpatterns: list = []
