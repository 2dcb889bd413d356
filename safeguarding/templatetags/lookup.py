from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ labels|get_item:code }}``: look a key up in a dict in a template. JSON records
    have string keys, so an id is also tried as a string."""
    if not hasattr(mapping, "get"):
        return None
    value = mapping.get(key)
    if value is None and not isinstance(key, str):
        value = mapping.get(str(key))
    return value
