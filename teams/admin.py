from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Membership, Organisation, Service, Team, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "data_sharing_agreement_ref"]
    list_filter = ["kind"]
    search_fields = ["name", "data_sharing_agreement_ref"]


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["team"]
    fields = [
        "team",
        "role",
        "discipline",
        "domestic_abuse_focus",
        "start_date",
        "end_date",
        "is_home_team",
    ]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["family_name", "given_name"]
    list_display = [
        "email",
        "given_name",
        "family_name",
        "job_title",
        "employer",
        "service_role",
        "is_active",
    ]
    list_filter = ["is_active", "is_staff", "service_role", "employer"]
    search_fields = ["email", "given_name", "family_name"]
    autocomplete_fields = ["employer"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Person",
            {"fields": ("given_name", "family_name", "job_title", "employer", "service_role")},
        ),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "given_name",
                    "family_name",
                    "employer",
                    "password1",
                    "password2",
                ),
            },
        ),
    )


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin[Service]):
    list_display = ["name", "organisation"]
    search_fields = ["name"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin[Team]):
    list_display = ["name", "service", "office", "is_active"]
    list_filter = ["service", "is_active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "team", "role", "discipline", "start_date", "end_date", "is_home_team"]
    list_filter = ["team", "role", "discipline"]
    search_fields = ["user__email", "user__family_name", "team__name"]
    autocomplete_fields = ["user", "team"]
    list_select_related = ["user", "team"]
