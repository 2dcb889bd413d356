"""Group supervision's part of the statutory clocks (``cases.clocks.tray``): each family's scheduled
supervision and chair, its last sign-off, and the open actions. Three queries for any number
of cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db.models import Exists, Max, OuterRef, Q

from cases.clocks.engine import ActionFacts, CaseFacts, SupervisionFacts
from cases.clocks.registry import ClockSource, register_clock_source
from teams.models import User

from .models import ActionStatus, GroupSupervision, SupervisionAction, SupervisionStatus


def load_supervision_facts(facts: Mapping[int, CaseFacts], today: dt.date) -> None:
    ids = list(facts)
    last_held = dict(
        GroupSupervision.objects.filter(case_id__in=ids, status=SupervisionStatus.SIGNED_OFF)
        .values("case_id")
        .annotate(last=Max("scheduled_for"))
        .values_list("case_id", "last")
    )
    scheduled = {
        case_id: (pk, day, chair_id)
        for case_id, pk, day, chair_id in GroupSupervision.objects.filter(
            case_id__in=ids, status=SupervisionStatus.SCHEDULED
        ).values_list("case_id", "pk", "scheduled_for", "chair_id")
    }
    for case_id, case_facts in facts.items():
        pk, day, chair_id = scheduled.get(case_id, (None, None, None))
        case_facts.supervision = SupervisionFacts(
            scheduled_id=pk, scheduled_for=day, chair_id=chair_id, last_held=last_held.get(case_id)
        )
        case_facts.actions = []
    for action_id, case_id, owner_id, due_date, description in (
        SupervisionAction.objects.filter(case_id__in=ids, status=ActionStatus.OPEN)
        .values_list("pk", "case_id", "owner_id", "due_date", "description")
        .order_by("due_date", "pk")
    ):
        facts[case_id].actions.append(ActionFacts(action_id, owner_id, due_date, description))


def cases_owned_through_supervision(user: User) -> Q:
    """Cases where the user chairs the scheduled supervision or owns an open action."""
    return Q(
        Exists(
            GroupSupervision.objects.filter(
                case_id=OuterRef("pk"), status=SupervisionStatus.SCHEDULED, chair=user
            )
        )
    ) | Q(
        Exists(
            SupervisionAction.objects.filter(
                case_id=OuterRef("pk"), status=ActionStatus.OPEN, owner=user
            )
        )
    )


register_clock_source(
    ClockSource(
        name="supervision",
        load=load_supervision_facts,
        owned_cases=cases_owned_through_supervision,
    )
)
