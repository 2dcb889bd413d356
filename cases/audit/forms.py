"""Filter forms of the auditor's pages (GET forms: they read, never write)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from cases.audit.selectors import (
    AccessEventFilters,
    DisclosureFilters,
    ObservationReadFilters,
    partner_clients,
    partner_organisations,
)
from cases.models import AccessAction, AccessBasis, Family, RecordType
from safeguarding.forms import optional_date, set_choices, set_queryset
from teams.models import Organisation, PartnerClient
from teams.workforce.models import ObservationAccessBasis

# Record ids are bigints: 18 digits always fit.
MAX_ID_DIGITS = 18


class PeriodForm(forms.Form):
    date_from = optional_date("From", help_text="For example, 1 3 2026")
    date_to = optional_date("To", help_text="For example, 31 3 2026")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        return data

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        return self.cleaned_data.get("date_from"), self.cleaned_data.get("date_to")


class AccessEventFilterForm(PeriodForm):
    user = forms.CharField(
        label="Email address",
        required=False,
        max_length=254,
        help_text="All or part of the email address of the person who opened the record",
    )
    family_reference = forms.CharField(
        label="Family reference", required=False, max_length=20, help_text="For example, FS-000123"
    )
    record_type = forms.ChoiceField(label="Type of record", required=False)
    record_id = forms.CharField(
        label="Record number",
        required=False,
        max_length=MAX_ID_DIGITS,
        help_text="The number of the person, case or other record",
    )
    action = forms.ChoiceField(label="What they did", required=False)
    basis = forms.ChoiceField(label="Why they could", required=False)

    field_order = [
        "user",
        "family_reference",
        "record_type",
        "record_id",
        "action",
        "basis",
        "date_from",
        "date_to",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["record_type"], [("", "Any type"), *RecordType.choices])
        set_choices(self.fields["action"], [("", "Anything"), *AccessAction.choices])
        set_choices(self.fields["basis"], [("", "Any reason"), *AccessBasis.choices])

    def clean_family_reference(self) -> int | None:
        value = self.cleaned_data["family_reference"].strip()
        if not value:
            return None
        pk = Family.pk_from_reference(value)
        if pk is None:
            raise ValidationError("Enter a family reference like FS-000123")
        return pk

    def clean_record_id(self) -> int | None:
        value = self.cleaned_data["record_id"].strip()
        if not value:
            return None
        if not (value.isascii() and value.isdigit()):
            raise ValidationError("Enter the record number in digits, like 1234")
        return int(value)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("record_id") is not None and not data.get("record_type"):
            self.add_error("record_type", "Choose the type of record the number belongs to")
        return data

    def filters(self) -> AccessEventFilters:
        """What to show: everything when the form is not bound."""
        if not self.is_bound:
            return AccessEventFilters()
        data = self.cleaned_data
        return AccessEventFilters(
            user_email=data["user"].strip(),
            family_id=data["family_reference"],
            record_type=data["record_type"],
            record_id=data["record_id"],
            action=data["action"],
            basis=data["basis"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


class _ClientField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.organisation.name}: {obj.name}"


class DisclosureFilterForm(PeriodForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="Organisation",
        required=False,
        empty_label="Any organisation",
    )
    client = _ClientField(
        queryset=PartnerClient.objects.none(),
        label="Partner system",
        required=False,
        empty_label="Any system",
    )
    operation = forms.CharField(
        label="Operation",
        required=False,
        max_length=80,
        help_text="For example, notification.create or child_status.read",
    )

    field_order = ["organisation", "client", "operation", "date_from", "date_to"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["organisation"], partner_organisations())
        set_queryset(self.fields["client"], partner_clients())

    def filters(self) -> DisclosureFilters:
        if not self.is_bound:
            return DisclosureFilters()
        data = self.cleaned_data
        return DisclosureFilters(
            organisation_id=data["organisation"].pk if data["organisation"] else None,
            client_id=data["client"].pk if data["client"] else None,
            operation=data["operation"].strip(),
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


class ObservationReadFilterForm(PeriodForm):
    reader = forms.CharField(
        label="Who read it",
        required=False,
        max_length=254,
        help_text="All or part of the email address of the person who read the observation",
    )
    worker = forms.CharField(
        label="Whose observation",
        required=False,
        max_length=254,
        help_text="All or part of the email address of the worker who was observed",
    )
    basis = forms.ChoiceField(label="Why they could", required=False)

    field_order = ["reader", "worker", "basis", "date_from", "date_to"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["basis"], [("", "Any reason"), *ObservationAccessBasis.choices])

    def filters(self) -> ObservationReadFilters:
        if not self.is_bound:
            return ObservationReadFilters()
        data = self.cleaned_data
        return ObservationReadFilters(
            reader_email=data["reader"].strip(),
            worker_email=data["worker"].strip(),
            basis=data["basis"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
