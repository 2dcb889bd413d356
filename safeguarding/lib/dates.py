"""Placing a day on the timeline."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def start_of_day(day: dt.date) -> dt.datetime:
    """An event known only by its day, placed at 9am London time on that day so that it sorts
    after anything recorded overnight and never slips to the day before in UTC."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
