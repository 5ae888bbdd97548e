from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import AdminUserAddForm, AdminUserEditForm
from .models import Membership, Organisation, SharingGroup, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fk_name = "user"
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = AdminUserAddForm
    form = AdminUserEditForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "portal_role", "is_active", "last_login"]
    list_filter = ["portal_role", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [MembershipInline]
    readonly_fields = ["last_login", "date_joined", "is_staff", "is_superuser"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Persoon"), {"fields": ("first_name", "last_name", "language")}),
        (_("Rol en status"), {"fields": ("portal_role", "is_active", "is_staff", "is_superuser")}),
        (_("Data"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "password1", "password2", "portal_role")},
        ),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        role = obj.portal_role
        # The role goes through the service so that it is audited and staff rights follow it.
        obj.portal_role = form.initial.get("portal_role", User.PortalRole.MEMBER)
        if not change:
            obj.portal_role = User.PortalRole.MEMBER
        super().save_model(request, obj, form, change)
        if not change:
            services.user_record_created(actor=request.user, user=obj, request=request)
        services.user_set_portal_role(actor=request.user, user=obj, role=role, request=request)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.membership_end(actor=request.user, membership=obj, request=request)
        for membership in instances:
            services.membership_set(
                actor=request.user,
                user=membership.user,
                organisation=membership.organisation,
                role=membership.role,
                request=request,
            )


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "kvk_number", "country"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "short_name", "kvk_number"]


@admin.register(SharingGroup)
class SharingGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "membership_hidden"]
    filter_horizontal = ["organisations"]
