"""Code-list helpers private to the case services."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from ..selectors import reference_codes


def reference_label(code_list: str, code: str) -> str:
    return dict(reference_codes(code_list)).get(code, code)


def require_code(code_list: str, code: str, field: str, message: str) -> None:
    if code not in dict(reference_codes(code_list)):
        raise ValidationError({field: message})
