"""Form fields shared by every app: the GOV.UK date input (day, month, year)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class GovukDateWidget(forms.MultiWidget):
    template_name = "govuk/date_widget.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [
            forms.TextInput(attrs={"inputmode": "numeric"}),
            forms.TextInput(attrs={"inputmode": "numeric"}),
            forms.TextInput(attrs={"inputmode": "numeric"}),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date entered as day, month and year, with GOV.UK error messages."""

    widget = GovukDateWidget

    def __init__(self, *, label: str, required: bool = True, **kwargs: Any) -> None:
        self.noun = label[0].lower() + label[1:]
        # The parts are optional one by one so that compress() can say which part is missing,
        # in GOV.UK words, rather than Django's generic "Enter a complete value".
        fields = (
            forms.CharField(required=False),
            forms.CharField(required=False),
            forms.CharField(required=False),
        )
        super().__init__(
            fields=fields,
            label=label,
            required=required,
            require_all_fields=False,
            error_messages={
                "required": f"Enter the {self.noun}",
                "incomplete": f"Enter the {self.noun} as a day, month and year",
            },
            **kwargs,
        )

    def compress(self, data_list: list[str]) -> dt.date | None:
        if not data_list or not any(data_list):
            return None
        day, month, year = (part.strip() if part else "" for part in data_list)
        missing = [
            name for name, value in (("day", day), ("month", month), ("year", year)) if not value
        ]
        if missing:
            raise ValidationError(f"The {self.noun} must include a {' and '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(f"The {self.noun} must be a real date, like 27 3 2026")
        if len(year) != 4:
            raise ValidationError(f"The year of the {self.noun} must have 4 numbers, like 2026")
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValidationError(f"The {self.noun} must be a real date, like 27 3 2026") from exc


def optional_date(label: str, help_text: str = "") -> GovukDateField:
    return GovukDateField(label=label, required=False, help_text=help_text)


def set_choices(field: Any, choices: Any) -> None:
    """Give a choice field its choices at form construction (they depend on the user or data)."""
    field.choices = choices


def set_queryset(field: Any, queryset: Any) -> None:
    field.queryset = queryset
