"""The learning and development catalogue every council starts with (editable in the admin).

Family Safeguarding councils train every practitioner in Motivational Interviewing: a first
course, then an embedding session 4 to 6 weeks later; practice workshops run on up to fifteen
"Practice & Change" topics through in-house trainers. The topic titles below are defaults a
council replaces with its own; no public source lists them.
"""

from __future__ import annotations

from typing import Any

MI_FIRST_COURSE = "mi-first-course"
MI_EMBEDDING = "mi-embedding"
# The FS model: the embedding session is 4 to 6 weeks after the first course.
MI_EMBEDDING_FROM_WEEKS = 4
MI_EMBEDDING_BY_WEEKS = 6
PRACTICE_TOPICS_MAX = 15

PRACTICE_TOPICS = [
    "Reflective listening",
    "Open questions and affirmations",
    "Eliciting change talk",
    "Responding to sustain talk and discord",
    "Developing discrepancy",
    "Scaling importance and confidence",
    "Planning for change",
    "Motivational Interviewing with fathers",
    "Talking with parents about domestic abuse",
    "Talking with parents about substance use",
    "Talking with parents about mental health",
    "Hearing the child's voice in the workbook",
    "Group case supervision: hypotheses",
    "Writing analysis in the intervention summary",
    "Sustaining change after the plan ends",
]

# (code, title, kind, description)
COURSES: list[tuple[str, str, str, str]] = [
    (
        MI_FIRST_COURSE,
        "Motivational Interviewing: first course",
        "course",
        "The core course every practitioner in a Family Safeguarding team attends.",
    ),
    (
        MI_EMBEDDING,
        "Motivational Interviewing: embedding session",
        "course",
        "A follow-up session 4 to 6 weeks after the first course, to embed MI in practice.",
    ),
    (
        "thresholds",
        "Thresholds and the continuum of need",
        "briefing",
        "When to step up to child in need or child protection, and when to step down.",
    ),
    (
        "workbook",
        "Using the Family Safeguarding Workbook",
        "briefing",
        "Recording in the shared workbook: intervention summaries and significant events.",
    ),
]


def seed_catalogue(apps: Any, schema_editor: Any = None) -> None:
    """Create the default catalogue; rerunnable (existing courses are left as the council
    edited them). Used by migration 0008 and by tests that flush the database."""
    course_model = apps.get_model("teams", "Course")
    for code, title, kind, description in COURSES:
        course_model.objects.get_or_create(
            code=code, defaults={"title": title, "kind": kind, "description": description}
        )
    for number, topic in enumerate(PRACTICE_TOPICS[:PRACTICE_TOPICS_MAX], start=1):
        course_model.objects.get_or_create(
            code=f"practice-change-{number:02d}",
            defaults={
                "title": f"Practice & Change workshop {number}: {topic}",
                "kind": "workshop",
                "topic_number": number,
            },
        )
    first = course_model.objects.get(code=MI_FIRST_COURSE)
    if first.follow_up_id is None:
        first.follow_up = course_model.objects.get(code=MI_EMBEDDING)
        first.follow_up_from_weeks = MI_EMBEDDING_FROM_WEEKS
        first.follow_up_by_weeks = MI_EMBEDDING_BY_WEEKS
        first.save(update_fields=["follow_up", "follow_up_from_weeks", "follow_up_by_weeks"])


def seed_catalogue_now() -> None:
    from django.apps import apps

    seed_catalogue(apps)
