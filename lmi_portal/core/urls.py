"""URLs of the shared kernel's own pages: email preferences, the digest preview, unsubscribe."""

from django.urls import path

from . import views_bounce, views_digest

app_name = "core"

urlpatterns = [
    path("", views_digest.preferences, name="digest_preferences"),
    path("voorbeeld/", views_digest.preview, name="digest_preview"),
    path("afmelden/<str:token>/", views_digest.unsubscribe, name="digest_unsubscribe"),
    path("bounce/", views_bounce.bounce_webhook, name="email_bounce_webhook"),
]
