"""The daily escalations: tell each owner on the day an item falls due, and when it is overdue
tell the owner and the owning team's managers. Run by the ``cases.tasks.escalate_deadlines``
beat task; safe to run any number of times a day.

Every open case is loaded in batches through ``cases.clocks.tray.case_facts`` (a fixed number of
queries per batch) and run through the one clock engine. Each notification's dedupe key is the
item's stable key, the stage and the due date, so a second run sends nothing and an item whose
clock moves (a new visit due) is a new notification. Messages name a family reference and what
is due, never a person (DOMAIN.md, information governance); emails carry a link only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from cases.clocks.engine import ClockItem, case_clocks
from cases.models import Case, CaseStatus, Family
from teams.models import Notification, NotificationKind, User
from teams.notifications import notify

# Cases loaded per batch: bounds memory for a large council; each batch is a fixed few queries.
BATCH_SIZE = 500


@dataclass(frozen=True)
class EscalationRun:
    due: int = 0
    overdue: int = 0
    escalated: int = 0

    @property
    def sent(self) -> int:
        return self.due + self.overdue + self.escalated


@dataclass(frozen=True)
class _Planned:
    user_id: int
    kind: NotificationKind
    message: str
    url: str
    dedupe_key: str


def dedupe_key(item: ClockItem, stage: str) -> str:
    return f"clock:{item.key}:{stage}:{item.due_date.isoformat()}"


def _on(day: dt.date) -> str:
    return f"{day:%-d %B %Y}"


def plan_notifications(
    item: ClockItem, family: Family, team_manager_ids: tuple[int, ...], today: dt.date
) -> list[_Planned]:
    """Who hears about ``item`` today, and what they are told."""
    reference = family.reference
    if item.due_date == today:
        return [
            _Planned(
                owner_id,
                NotificationKind.DUE,
                f"{item.label} for {reference} is due today.",
                item.url,
                dedupe_key(item, "due"),
            )
            for owner_id in item.owner_ids
        ]
    if item.due_date > today:
        return []
    planned = [
        _Planned(
            owner_id,
            NotificationKind.OVERDUE,
            f"{item.label} for {reference} is overdue. It was due on {_on(item.due_date)}.",
            item.url,
            dedupe_key(item, "overdue"),
        )
        for owner_id in item.owner_ids
    ]
    team_url = reverse("cases:team-tray", args=[family.owning_team.slug])
    planned.extend(
        _Planned(
            manager_id,
            NotificationKind.OVERDUE_ESCALATION,
            f"Overdue in your team: {item.label} for {reference}, due on {_on(item.due_date)}.",
            team_url,
            dedupe_key(item, "escalation"),
        )
        for manager_id in team_manager_ids
        if manager_id not in item.owner_ids
    )
    return planned


def deadline_notifications_send(*, today: dt.date, batch_size: int = BATCH_SIZE) -> EscalationRun:
    from cases.clocks.tray import case_facts

    counts = dict.fromkeys(NotificationKind, 0)
    case_ids = list(
        Case.objects.filter(status=CaseStatus.OPEN).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(case_ids), batch_size):
        batch = Case.objects.filter(
            pk__in=case_ids[start : start + batch_size], status=CaseStatus.OPEN
        )
        planned: list[_Planned] = []
        for facts in case_facts(batch, today).values():
            for item in case_clocks(facts):
                planned.extend(
                    plan_notifications(item, facts.case.family, facts.team_manager_ids, today)
                )
        if not planned:
            continue
        # One query for what earlier runs sent, so a rerun does not call notify at all.
        sent = set(
            Notification.objects.filter(
                user_id__in={p.user_id for p in planned},
                dedupe_key__in={p.dedupe_key for p in planned},
            ).values_list("user_id", "dedupe_key")
        )
        waiting = [p for p in planned if (p.user_id, p.dedupe_key) not in sent]
        users = User.objects.in_bulk({p.user_id for p in waiting})
        for p in waiting:
            user = users.get(p.user_id)
            if user is None:
                continue
            made = notify(
                user=user, kind=p.kind, message=p.message, url=p.url, dedupe_key=p.dedupe_key
            )
            if made is not None:
                counts[p.kind] += 1
    return EscalationRun(
        due=counts[NotificationKind.DUE],
        overdue=counts[NotificationKind.OVERDUE],
        escalated=counts[NotificationKind.OVERDUE_ESCALATION],
    )
