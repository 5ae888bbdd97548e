from __future__ import annotations

from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .models import User


class AdminUserAddForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "portal_role")


class AdminUserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
