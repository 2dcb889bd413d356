"""A family's genogram from its members and relationships, as the family page draws it."""

from __future__ import annotations

from django.utils import timezone

from cases.models import FamilyMember, HouseholdRole, Relationship

from .render import GenogramLink, GenogramPerson, render_genogram


def family_genogram_svg(members: list[FamilyMember], relationships: list[Relationship]) -> str:
    """The family page's genogram of ``members``: children marked, ages as of today."""
    today = timezone.localdate()
    people = [
        GenogramPerson(
            id=m.person_id,
            name=m.person.full_name,
            sex=m.person.sex,
            age_label="unborn" if m.person.is_unborn else str(m.person.age_on(today)),
            is_child=m.household_role == HouseholdRole.CHILD,
            deceased=m.person.deceased_date is not None,
            in_household=m.household_role != HouseholdRole.SIGNIFICANT_OTHER,
        )
        for m in members
    ]
    links = [GenogramLink(r.from_person_id, r.to_person_id, r.kind) for r in relationships]
    return render_genogram(people, links, title="Family tree (genogram)")
