"""Read replica routing (DESIGN §10, docs/scaling.md).

Only code that asks for it reads from the ``replica`` alias: KPI calculations and the board's
aggregate pages, which run big set-based queries and can tolerate data a few seconds old.
Everything else, and every write wherever it happens, uses ``default`` (the primary):

    with use_replica():
        tiles = dashboard()          # reads from the replica, when one is configured
        KpiSnapshot.objects.create(...)  # still written to the primary

The choice is a context variable, not a per-model rule: the same ``KpiSnapshot`` table is read
from the primary by the refresh task (which must see the run it was just given) and from the
replica by the board. When ``DATABASE_REPLICA_URL`` is unset there is no ``replica`` alias and
``use_replica()`` changes nothing.

Replication lag: a streaming replica is usually well under a second behind, but can fall
further behind under load. Inside ``use_replica()`` a read may miss writes committed on the
primary moments earlier, so never use it for a read that must see the request's own writes
(sign-in, a form just saved, the progress of a run just queued).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

REPLICA_DB_ALIAS = "replica"

_replica_wanted: ContextVar[bool] = ContextVar("replica_wanted", default=False)

P = ParamSpec("P")
R = TypeVar("R")


def replica_configured() -> bool:
    return REPLICA_DB_ALIAS in connections.settings


def read_alias() -> str:
    """The alias reads should use here: the replica inside ``use_replica()`` when one is
    configured, otherwise the primary."""
    if _replica_wanted.get() and replica_configured():
        return REPLICA_DB_ALIAS
    return DEFAULT_DB_ALIAS


def read_connection() -> BaseDatabaseWrapper:
    """The connection for raw SQL reads (``cursor.execute``), which the router never sees."""
    return connections[read_alias()]


@contextmanager
def use_replica() -> Iterator[None]:
    """Send the reads inside this block to the replica (when configured). Writes still go to
    the primary. Works across threads and async tasks (a ContextVar) and nests."""
    token = _replica_wanted.set(True)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


def reads_from_replica(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of ``use_replica()``, for a view that only shows aggregates."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with use_replica():
            return func(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """The ``DATABASE_ROUTERS`` entry: reads follow ``read_alias()``; writes, migrations and
    transactions always belong to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        if _replica_wanted.get() and replica_configured():
            return REPLICA_DB_ALIAS
        # Django's own choice: the primary, or the database a related instance came from.
        return None

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        # Explicit, never None: otherwise Django would write a row back to the database the
        # instance was read from, which for a replica-read instance is the read-only replica.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica is a copy of the primary: a team read from one can be the foreign key
        # of a snapshot written to the other.
        known = {DEFAULT_DB_ALIAS, REPLICA_DB_ALIAS}
        if obj1._state.db in known and obj2._state.db in known:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica receives the schema through replication, never by running migrations.
        if db == REPLICA_DB_ALIAS:
            return False
        return None
