"""URLs of the network app's privacy pages (included by network.urls)."""

urlpatterns: list = []
