"""Render Django form fields as GOV.UK Frontend components.

``{% govuk_field form.email %}`` picks the component from the widget: text input, textarea,
select, radios, checkboxes or date input. Errors are linked from the error summary by id.
"""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField

from safeguarding.forms import GovukDateWidget

register = template.Library()


def _component(field: BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, GovukDateWidget):
        return "date_parts"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.DateInput) or getattr(widget, "input_type", "") == "date":
        return "date"
    return "input"


@register.inclusion_tag("govuk/field.html")
def govuk_field(
    field: BoundField,
    hint: str = "",
    label_class: str = "govuk-label--s",
    width: str = "",
    heading: bool = False,
) -> dict[str, Any]:
    component = _component(field)
    widget = field.field.widget
    input_type = getattr(widget, "input_type", "text")
    value = field.value()
    if component in {"radios", "checkboxes"}:
        selected = {
            str(v)
            for v in (value if isinstance(value, list | tuple) else [value])
            if v not in (None, "")
        }
        choices = [
            {
                "value": str(val),
                "label": label,
                "checked": str(val) in selected,
                "id": f"{field.auto_id}-{index}",
            }
            for index, (val, label) in enumerate(field.field.choices)  # type: ignore[attr-defined]
            if val != ""
        ]
    elif component == "select":
        choices = [
            {
                "value": str(val),
                "label": label,
                "selected": str(val) == str(value if value is not None else ""),
            }
            for val, label in field.field.choices  # type: ignore[attr-defined]
        ]
    else:
        choices = []
    parts: list[Any] = []
    if component == "date_parts":
        raw = value if isinstance(value, list | tuple) else widget.decompress(value)
        parts = [
            {
                "suffix": index,
                "label": label,
                "value": "" if raw[index] is None else raw[index],
                "width": width,
            }
            for index, (label, width) in enumerate((("Day", 2), ("Month", 2), ("Year", 4)))
        ]
    return {
        "parts": parts,
        "field": field,
        "component": component,
        "input_type": "date" if component == "date" else input_type,
        "value": "" if value is None else value,
        "choices": choices,
        "hint": hint or field.help_text,
        "label_class": label_class,
        "width": width,
        "heading": heading,
        "attrs": widget.attrs,
        "errors": field.errors,
    }


@register.inclusion_tag("govuk/error_summary.html")
def govuk_error_summary(*forms_: forms.Form) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        items.extend({"href": "#main-content", "message": m} for m in form.non_field_errors())
        for name, errors in form.errors.items():
            if name == "__all__":
                continue
            bound = form[name]
            target = bound.auto_id
            if _component(bound) in {"radios", "checkboxes"}:
                target = f"{bound.auto_id}-0"
            elif _component(bound) == "date_parts":
                target = f"{bound.auto_id}_0"
            items.extend({"href": f"#{target}", "message": message} for message in errors)
    return {"items": items}
