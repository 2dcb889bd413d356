"""Enqueue Celery tasks only once the surrounding transaction has committed.

A task enqueued inside a transaction that then rolls back must never run: it would act on
rows that do not exist. Services call ``enqueue_on_commit`` instead of ``delay``.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Protocol

from django.db import transaction


class _Task(Protocol):
    def apply_async(self, args: Any = ..., kwargs: Any = ..., **options: Any) -> Any: ...


def enqueue_on_commit(task: _Task, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Send ``task`` with ``args``/``kwargs`` after the current transaction commits.

    Outside a transaction (autocommit) it is sent at once. Arguments must be JSON
    serialisable ids and flags, never personal data (STYLE.md §19).
    """
    transaction.on_commit(partial(task.apply_async, args=args, kwargs=kwargs), using=using)
