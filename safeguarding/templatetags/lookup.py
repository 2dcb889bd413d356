from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ labels|get_item:code }}``: look a key up in a dict in a template."""
    if mapping is None:
        return None
    return mapping.get(key)
