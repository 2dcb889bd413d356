"""The admin site. Memberships and users decide who sees children's records, so their pages
save through the services (``membership_start``, ``membership_end``, ``user_create``,
``user_update``...), which keep each change with the acting user in the change history."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from safeguarding.lib.pages import apply_service_errors, signed_in_user

from . import services
from .models import Membership, Organisation, PartnerClient, PartnerScope, Service, Team, User
from .workforce.services import membership_post_update

M = TypeVar("M", bound=models.Model)


class ServiceSavedAdmin(admin.ModelAdmin[M], Generic[M]):
    """An admin page whose save is a service (STYLE.md §2).

    The admin validates the form, then saves it; a service's refusal (ValidationError) can
    only be shown on the form while the form is validated, so the form calls
    ``service_save`` as its last validation step and ``save_model`` does nothing. The admin's
    change view is one transaction: if the page is shown again with errors after the service
    ran (an inline's errors), ``render_change_form`` rolls the service's writes back."""

    def service_save(self, request: HttpRequest, form: forms.ModelForm[M], change: bool) -> M:
        """Call the model's service with the form's data; every subclass names its own."""
        raise ImproperlyConfigured(f"{type(self).__name__} must say which service saves it")

    def get_form(
        self, request: HttpRequest, obj: M | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[M]]:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceSavedForm(form_class):  # type: ignore[valid-type,misc]
            def _post_clean(self) -> None:
                super()._post_clean()
                if self._errors:
                    return
                try:
                    self.instance = model_admin.service_save(request, self, change)
                except ValidationError as exc:
                    apply_service_errors(self, exc)

        return ServiceSavedForm

    def save_model(self, request: HttpRequest, obj: M, form: Any, change: bool) -> None:
        """Saved already: by the service, while the form was validated."""

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: M | None = None,
    ) -> HttpResponse:
        # The page's context is built first: once the transaction is marked for rollback it
        # runs no more queries (a cold content-type cache would need one).
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if request.method == "POST":  # shown again, with errors: keep nothing the service wrote
            transaction.set_rollback(True, using=router.db_for_write(self.model))
        return response


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "data_sharing_agreement_ref", "agreed_scopes"]
    list_filter = ["kind"]
    search_fields = ["name", "data_sharing_agreement_ref"]


class MembershipInline(admin.TabularInline[Membership, User]):
    """A person's memberships, to read: they are started and ended on the memberships page."""

    model = Membership
    fk_name = "user"
    extra = 0
    fields = readonly_fields = (
        "team",
        "role",
        "discipline",
        "domestic_abuse_focus",
        "start_date",
        "end_date",
        "is_home_team",
    )
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(ServiceSavedAdmin[User], DjangoUserAdmin):
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
    readonly_fields = ["last_login", "date_joined"]
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

    def service_save(self, request: HttpRequest, form: forms.ModelForm[User], change: bool) -> User:
        data = form.cleaned_data
        actor = signed_in_user(request)
        if not change:
            return services.user_create(
                actor=actor,
                email=data["email"],
                given_name=data["given_name"],
                family_name=data["family_name"],
                employer=data.get("employer"),
                password=data.get("password1") or None,
            )
        return services.user_update(
            actor=actor,
            user=User.objects.get(pk=form.instance.pk),
            email=data["email"],
            given_name=data["given_name"],
            family_name=data["family_name"],
            job_title=data["job_title"],
            employer=data["employer"],
            service_role=data["service_role"],
            is_active=data["is_active"],
            is_staff=data["is_staff"],
            is_superuser=data["is_superuser"],
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
class MembershipAdmin(ServiceSavedAdmin[Membership]):
    """Start a membership, end it, or change the post it fills. Who, which team, the role and
    the start are fixed once it starts: to change them, end it and start another, so the
    change history shows who had which access when."""

    list_display = ["user", "team", "role", "discipline", "start_date", "end_date", "is_home_team"]
    list_filter = ["team", "role", "discipline"]
    search_fields = ["user__email", "user__family_name", "team__name"]
    autocomplete_fields = ["user", "team"]
    list_select_related = ["user", "team"]
    start_fields = (
        "user",
        "team",
        "role",
        "discipline",
        "domestic_abuse_focus",
        "start_date",
        "is_home_team",
    )
    post_fields = ("fte", "employer", "is_contingency")

    def get_fields(self, request: HttpRequest, obj: Membership | None = None) -> tuple[str, ...]:
        if obj is None:
            return self.start_fields
        return (*self.start_fields, "end_date", *self.post_fields)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Membership | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ()
        return (*self.start_fields, *(("end_date",) if obj.end_date is not None else ()))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # end it instead: the memberships a person had say what they could see

    def service_save(
        self, request: HttpRequest, form: forms.ModelForm[Membership], change: bool
    ) -> Membership:
        data = form.cleaned_data
        actor = signed_in_user(request)
        if not change:
            return services.membership_start(
                actor=actor,
                user=data["user"],
                team=data["team"],
                role=data["role"],
                start_date=data["start_date"],
                discipline=data["discipline"],
                domestic_abuse_focus=data["domestic_abuse_focus"],
                is_home_team=data["is_home_team"],
            )
        membership = Membership.objects.get(pk=form.instance.pk)
        if set(self.post_fields) & set(form.changed_data):
            membership = membership_post_update(
                actor=actor,
                membership=membership,
                fte=data["fte"],
                employer=data["employer"],
                is_contingency=data["is_contingency"],
            )
        if "end_date" in form.changed_data and data.get("end_date") is not None:
            membership = services.membership_end(
                actor=actor, membership=membership, end_date=data["end_date"]
            )
        return membership


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
                apply_service_errors(form, error)
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
