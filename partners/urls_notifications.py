"""URLs of the in-app notifications (included by partners.urls, so under /meldingen/)."""

from django.urls import path

from .views import notifications as views

urlpatterns = [
    path("meldingen/", views.notifications, name="notifications"),
    path("meldingen/gelezen/", views.notifications_mark_read_all, name="notifications_mark_read"),
    path("meldingen/aantal/", views.notifications_badge, name="notifications_badge"),
    path(
        "meldingen/<int:pk>/gelezen/", views.notification_mark_read, name="notification_mark_read"
    ),
]
