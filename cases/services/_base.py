"""Shared plumbing for case services: one transaction, the actor in the change history,
and chronology lines written by the service that made the change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone

from safeguarding.lib.services import service
from teams.models import User

from ..models import Case, ChronologyEvent, Person


def start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def chronicle(
    *,
    case: Case,
    kind: str,
    summary: str,
    actor: User | None,
    occurred_at: dt.datetime | None = None,
    person: Person | None = None,
    source: models.Model | None = None,
    significant: bool = False,
) -> ChronologyEvent:
    return ChronologyEvent.objects.create(
        case=case,
        person=person,
        kind=kind,
        summary=summary[:500],
        significant=significant,
        occurred_at=occurred_at or timezone.now(),
        source_model=source._meta.label_lower if source is not None else "",
        source_id=source.pk if source is not None else None,
        recorded_by=actor,
    )


def reference_label(code_list: str, code: str) -> str:
    from ..selectors import reference_codes

    return dict(reference_codes(code_list)).get(code, code)


def require_code(code_list: str, code: str, field: str, message: str) -> None:
    from django.core.exceptions import ValidationError

    from ..selectors import reference_codes

    if code not in dict(reference_codes(code_list)):
        raise ValidationError({field: message})


__all__: list[Any] = ["chronicle", "require_code", "service", "start_of_day"]
