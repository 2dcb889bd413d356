"""Admin pages for reference data and the read audit.

People, families and cases are deliberately not in the admin: every read of them must go
through the access policy and be audited, which the admin site does not do."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import AccessEvent, DisclosureLog, PartnerNotification, ReferenceCode


@admin.register(ReferenceCode)
class ReferenceCodeAdmin(admin.ModelAdmin[ReferenceCode]):
    list_display = ["code_list", "code", "label", "valid_from", "valid_to", "sort_order"]
    list_filter = ["code_list"]
    search_fields = ["code", "label"]
    ordering = ["code_list", "sort_order", "code"]


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin[AccessEvent]):
    """Read-only: the table is append-only and a database trigger refuses changes."""

    list_display = [
        "occurred_at",
        "user_id",
        "action",
        "record_type",
        "record_id",
        "family_id",
        "basis",
        "request_id",
    ]
    list_filter = ["action", "record_type", "basis"]
    search_fields = ["request_id"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessEvent | None = None) -> bool:
        return False


@admin.register(DisclosureLog)
class DisclosureLogAdmin(admin.ModelAdmin[DisclosureLog]):
    """Every partner API call: read-only, append-only like the access events."""

    list_display = [
        "occurred_at",
        "client_id",
        "organisation_id",
        "operation",
        "scope",
        "status_code",
        "request_id",
    ]
    list_filter = ["operation", "scope", "status_code"]
    search_fields = ["request_id", "purpose"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DisclosureLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DisclosureLog | None = None) -> bool:
        return False


@admin.register(PartnerNotification)
class PartnerNotificationAdmin(admin.ModelAdmin[PartnerNotification]):
    """For support: what arrived and where it went. Matching and dismissal happen in the
    triage queue, through the services, never by editing here."""

    list_display = ["received_at", "organisation", "reference", "dash_risk_level", "status"]
    list_filter = ["status", "dash_risk_level", "organisation"]
    search_fields = ["reference"]
    date_hierarchy = "received_at"
    list_select_related = ["organisation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: PartnerNotification | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: PartnerNotification | None = None
    ) -> bool:
        return False
