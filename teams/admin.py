from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from . import services
from .models import Membership, Organisation, PartnerClient, PartnerScope, Service, Team, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "data_sharing_agreement_ref", "agreed_scopes"]
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
    list_display = ["name", "service", "office", "contact_email", "contact_phone", "is_active"]
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


# --- partner API clients --------------------------------------------------------------------


class RegisterClientForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.exclude(kind="council"),
        help_text="The partner whose data-sharing agreement covers this system.",
    )
    name = forms.CharField(max_length=200, help_text="For example: the force's records system.")
    scopes = forms.MultipleChoiceField(
        choices=PartnerScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only scopes the organisation's agreement covers can be given.",
    )


class RevokeClientForm(forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(PartnerClient)
class PartnerClientAdmin(admin.ModelAdmin[PartnerClient]):
    """Register a partner system (its secret shown once), rotate its secret, revoke it.

    Secrets are stored hashed, so the pages that make one show it once and never again."""

    list_display = ["name", "organisation", "client_id", "scopes", "created_at", "revoked_at"]
    list_filter = ["organisation", "revoked_at"]
    search_fields = ["name", "organisation__name", "application__client_id"]
    list_select_related = ["organisation", "application"]
    readonly_fields = [
        "organisation",
        "client_id",
        "scopes",
        "created_at",
        "created_by",
        "secret_rotated_at",
        "revoked_at",
        "revoked_by",
        "revoked_reason",
    ]
    fields = ["name", *readonly_fields]
    change_form_template = "admin/teams/partnerclient/change_form.html"

    @admin.display(description="Client id")
    def client_id(self, obj: PartnerClient) -> str:
        return str(obj.application.client_id)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the disclosure log refers to clients for good

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("register/", wrap(self.register_view), name="teams_partnerclient_register"),
            path("<int:pk>/rotate/", wrap(self.rotate_view), name="teams_partnerclient_rotate"),
            path("<int:pk>/revoke/", wrap(self.revoke_view), name="teams_partnerclient_revoke"),
            *super().get_urls(),
        ]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:teams_partnerclient_register"))

    def _check(self, request: HttpRequest) -> None:
        if not self.has_change_permission(request):
            raise PermissionDenied

    def _page(self, request: HttpRequest, template: str, **context: Any) -> HttpResponse:
        # admin_view() marks every admin page no-store, so the secret is never cached.
        return TemplateResponse(
            request,
            f"admin/teams/partnerclient/{template}",
            {**self.admin_site.each_context(request), "opts": self.model._meta, **context},
        )

    def register_view(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        form = RegisterClientForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                client, secret = services.partner_client_register(
                    actor=request.user,  # type: ignore[arg-type]
                    organisation=form.cleaned_data["organisation"],
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return self._page(
                    request, "secret.html", client=client, secret=secret, title="Client registered"
                )
        return self._page(request, "register.html", form=form, title="Register a partner client")

    def rotate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._check(request)
        client = get_object_or_404(PartnerClient, pk=pk)
        if request.method == "POST":
            try:
                secret = services.partner_client_rotate_secret(actor=request.user, client=client)  # type: ignore[arg-type]
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return HttpResponseRedirect(
                    reverse("admin:teams_partnerclient_change", args=[client.pk])
                )
            return self._page(
                request, "secret.html", client=client, secret=secret, title="New secret"
            )
        return self._page(request, "rotate.html", client=client, title="Rotate the secret")

    def revoke_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._check(request)
        client = get_object_or_404(PartnerClient, pk=pk)
        form = RevokeClientForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.partner_client_revoke(
                    actor=request.user,  # type: ignore[arg-type]
                    client=client,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error("reason", error.messages)
            else:
                messages.success(request, f"{client.name} is revoked: its tokens no longer work")
                return HttpResponseRedirect(
                    reverse("admin:teams_partnerclient_change", args=[client.pk])
                )
        return self._page(request, "revoke.html", client=client, form=form, title="Revoke")


# --- the workforce catalogue (teams.workforce): the council edits its courses and rules -------
from .workforce.models import Course  # noqa: E402


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin[Course]):
    list_display = ["title", "kind", "code", "follow_up", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["title", "code"]
    fields = [
        "code",
        "title",
        "kind",
        "description",
        "topic_number",
        "follow_up",
        "follow_up_from_weeks",
        "follow_up_by_weeks",
        "is_active",
    ]
