from django.urls import path

from .views import follow

urlpatterns = [
    path("volgen/", follow.following, name="following"),
    path("volgen/<slug:kind>/<int:pk>/", follow.topic_follow, name="follow_topic"),
    path("<int:pk>/volgen/", follow.initiative_follow, name="follow"),
]
