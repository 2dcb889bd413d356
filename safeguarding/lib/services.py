"""The decorator every service function wears (STYLE.md §2)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import pghistory
from django.db import transaction

P = ParamSpec("P")
R = TypeVar("R")


def service(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` in one transaction with the acting user (keyword ``actor``) recorded in
    the change history (django-pghistory context)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        actor = kwargs.get("actor")
        with transaction.atomic(), pghistory.context(user=getattr(actor, "pk", None)):
            return func(*args, **kwargs)

    return wrapper
