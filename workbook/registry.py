"""The form registry: which forms the workbook has, who writes them, who authorises them.

Declared in code (DESIGN §6): a council changes a form by changing its class and bumping its
version; entries keep the version they were written with.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from teams.roles import Discipline

from . import forms_catalogue as fc


class Subject(models.TextChoices):
    FAMILY = "family", "The family"
    CHILD = "child", "A child"
    ADULT = "adult", "An adult"
    FAMILY_OR_PERSON = "family_or_person", "The family or one person"


ALL_ALLOCATED: frozenset[str] = frozenset()  # empty = any worker allocated to the case


@dataclass(frozen=True)
class FormSpec:
    number: int
    slug: str
    title: str
    version: int
    subject: Subject
    form_class: type[fc.WorkbookForm]
    author_disciplines: frozenset[str]
    needs_authorisation: bool
    description: str
    # One chapter per worker per cycle (the intervention summary).
    one_per_worker_per_cycle: bool = False

    def author_rule(self) -> str:
        if not self.author_disciplines:
            return "Any allocated worker"
        return ", ".join(Discipline(d).label for d in sorted(self.author_disciplines))


FORMS: list[FormSpec] = [
    FormSpec(
        1,
        "family-overview",
        "Family overview",
        1,
        Subject.FAMILY,
        fc.FamilyOverviewForm,
        frozenset({Discipline.SOCIAL_WORK}),
        False,
        "The household, who matters to the family, their account in their words, strengths and worries. Refreshed each cycle.",
    ),
    FormSpec(
        2,
        "intervention-summary",
        "Intervention summary",
        1,
        Subject.FAMILY,
        fc.InterventionSummaryForm,
        ALL_ALLOCATED,
        False,
        "Your chapter: work done this cycle, progress against the plan, each adult's readiness to change. Due before each supervision.",
        one_per_worker_per_cycle=True,
    ),
    FormSpec(
        3,
        "case-note",
        "Case note",
        1,
        Subject.FAMILY_OR_PERSON,
        fc.CaseNoteForm,
        ALL_ALLOCATED,
        False,
        "A contact: who was there, what happened, each statement marked fact, opinion or third-party information.",
    ),
    FormSpec(
        4,
        "statutory-visit",
        "Statutory visit",
        1,
        Subject.CHILD,
        fc.StatutoryVisitForm,
        frozenset({Discipline.SOCIAL_WORK, Discipline.FAMILY_SUPPORT}),
        False,
        "A visit to a child: whether they were seen, seen alone, their views and lived experience.",
    ),
    FormSpec(
        5,
        "assessment",
        "Child and family assessment",
        1,
        Subject.CHILD,
        fc.AssessmentForm,
        frozenset({Discipline.SOCIAL_WORK}),
        True,
        "The assessment: factors identified, analysis and outcome. A manager authorises it.",
    ),
    FormSpec(
        6,
        "adult-assessment",
        "Adult assessment",
        1,
        Subject.ADULT,
        fc.AdultAssessmentForm,
        frozenset({Discipline.DOMESTIC_ABUSE, Discipline.MENTAL_HEALTH, Discipline.SUBSTANCE_USE}),
        True,
        "A specialist's assessment of an adult: DASH risk, substance use or mental health. A manager authorises it.",
    ),
    FormSpec(
        7,
        "plan",
        "Plan",
        1,
        Subject.CHILD,
        fc.PlanForm,
        frozenset({Discipline.SOCIAL_WORK}),
        True,
        "The child's plan: outcomes, actions, contingency and next review. A manager authorises it.",
    ),
    FormSpec(
        8,
        "family-programme",
        "Family Programme",
        1,
        Subject.ADULT,
        fc.FamilyProgrammeForm,
        ALL_ALLOCATED,
        False,
        "A module of the Family Programme with a parent: sessions, status, their reflections and your analysis.",
    ),
]

BY_SLUG: dict[str, FormSpec] = {spec.slug: spec for spec in FORMS}


def get_form_spec(slug: str) -> FormSpec | None:
    return BY_SLUG.get(slug)
