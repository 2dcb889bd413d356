"""Admin for the workbook's reference data. Entries are not in the admin: every read of an
entry goes through the access policy and the read audit."""

from __future__ import annotations

from django.contrib import admin

from .models import ProgrammeModule


@admin.register(ProgrammeModule)
class ProgrammeModuleAdmin(admin.ModelAdmin[ProgrammeModule]):
    list_display = ["number", "title", "is_active"]
    list_editable = ["title", "is_active"]
    ordering = ["number"]
