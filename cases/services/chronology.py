"""The chronology is written by the service that made the change (DESIGN §6): never typed
twice. Every app's services call ``chronology_event_record``; it joins their transaction."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from teams.models import User

from ..models import Case, ChronologyEvent, Person


def chronology_event_record(
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
    """One line of the family's chronology. Called inside the caller's service transaction."""
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
