"""The eight FS Workbook forms (DOMAIN.md, "The eight workbook forms") as Django forms.

Each form validates the answers of one entry. Answers are stored as JSON tagged with the
form's version, so a council can add a field without a migration; the facts KPIs need are
also copied to typed columns when the entry is saved or authorised (see ``registry``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from safeguarding.forms import GovukDateField, optional_date, set_choices

TEXTAREA = forms.Textarea(attrs={"rows": 5})
SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 3})

# DASH risk identification checklist: 24 yes/no questions; 14 or more "yes" answers is high
# risk and prompts a MARAC referral (SafeLives). Scores and levels only: the questions belong
# to their owners.
DASH_MAX = 24
DASH_HIGH_RISK_THRESHOLD = 14
# AUDIT (WHO Alcohol Use Disorders Identification Test) scores 0-40.
AUDIT_MAX = 40
SCALE_MAX = 10


def _scale(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=SCALE_MAX,
        help_text="0 to 10",
        error_messages={
            "min_value": f"{label} must be between 0 and 10",
            "max_value": f"{label} must be between 0 and 10",
            "invalid": f"{label} must be a whole number between 0 and 10",
            "required": f"Enter a number from 0 to 10 for {label}",
        },
    )


def _text(
    label: str, *, required: bool = True, help_text: str = "", short: bool = False
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=SHORT_TEXTAREA if short else TEXTAREA,
        error_messages={"required": f"Enter {label[0].lower() + label[1:]}"},
    )


def _not_future(value: dt.date | None, label: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError(f"{label} must be today or in the past")


# ``<question>_<person id>``: the key of a question asked once for each adult of the family.
PER_ADULT_KEY = re.compile(r"(?P<question>[a-z_]+)_(?P<person>[1-9][0-9]*)")


class WorkbookForm(forms.Form):
    """Base class: forms are built with the entry's context (people, reference lists).

    The keys an entry's answers are stored under come from the class, never from a context, so
    knowing them costs no query: every question that is not about one adult is asked of every
    family, and a form built without a context has them all. Questions asked once for each
    adult (``per_adult_questions``) are stored as ``<question>_<person id>`` and known by that
    shape; each takes one answer."""

    per_adult_questions: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *args: Any, context: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context: Mapping[str, Any] = context or {}

    @classmethod
    def answer_keys(cls) -> dict[str, bool]:
        """The keys of the questions every family is asked, each with whether it holds a list
        (several choices). A date is three keys: ``<name>_0`` day, ``_1`` month, ``_2`` year."""
        return dict(_answer_keys(cls))

    @classmethod
    def takes_list(cls, key: str) -> bool | None:
        """Whether the answer stored under ``key`` is a list; None when no question has it."""
        keys = _answer_keys(cls)
        if key in keys:
            return keys[key]
        match = PER_ADULT_KEY.fullmatch(key)
        if match is not None and match["question"] in cls.per_adult_questions:
            return False
        return None

    @classmethod
    def known_answers(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        """``data`` without what is not an answer to one of the form's questions."""
        return {key: value for key, value in data.items() if cls.takes_list(key) is not None}


@functools.cache
def _answer_keys(form_class: type[WorkbookForm]) -> dict[str, bool]:
    keys: dict[str, bool] = {}
    for name, field_obj in form_class().fields.items():
        if isinstance(field_obj, GovukDateField):
            keys.update((f"{name}_{i}", False) for i in range(3))
        else:
            keys[name] = isinstance(field_obj, forms.MultipleChoiceField)
    return keys


class StageOfChange:
    CHOICES = [
        ("precontemplation", "Not yet thinking about change"),
        ("contemplation", "Thinking about change"),
        ("preparation", "Preparing to change"),
        ("action", "Making changes"),
        ("maintenance", "Keeping changes going"),
        ("relapse", "Slipped back"),
    ]


class FamilyOverviewForm(WorkbookForm):
    household = _text("The household and who matters to the family")
    family_account = _text("The family's account, in their own words")
    strengths = _text("Strengths")
    worries = _text("Worries")
    genogram_notes = _text("Genogram notes", required=False, short=True)


class InterventionSummaryForm(WorkbookForm):
    per_adult_questions = frozenset({"stage", "importance", "confidence"})

    work_done = _text("Work done this cycle")
    progress = _text("Progress against the plan")
    analysis = _text("Analysis")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for adult in self.context.get("adults", []):
            name = adult.full_name
            self.fields[f"stage_{adult.pk}"] = forms.ChoiceField(
                label=f"{name}: stage of change",
                choices=[("", "Choose a stage"), *StageOfChange.CHOICES],
                error_messages={"required": f"Choose {name}'s stage of change"},
            )
            self.fields[f"importance_{adult.pk}"] = _scale(
                f"{name}: how important change is to them"
            )
            self.fields[f"confidence_{adult.pk}"] = _scale(
                f"{name}: how confident they are they can change"
            )


CONTACT_TYPES = [
    ("home_visit", "Home visit"),
    ("office", "Office"),
    ("phone", "Phone"),
    ("group_session", "Group session"),
    ("meeting", "Meeting"),
]
STATEMENT_KINDS = [
    ("fact", "Fact"),
    ("opinion", "Professional opinion"),
    ("third_party", "Third-party information"),
]
CASE_NOTE_STATEMENTS = 5


class CaseNoteForm(WorkbookForm):
    contact_date = GovukDateField(label="Date of contact")
    contact_type = forms.ChoiceField(
        label="Type of contact",
        choices=CONTACT_TYPES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of contact"},
    )
    present = _text("Who was present", short=True)
    what_happened = _text("What happened")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, CASE_NOTE_STATEMENTS + 1):
            self.fields[f"statement_{n}"] = _text(f"Statement {n}", required=False, short=True)
            self.fields[f"statement_{n}_kind"] = forms.ChoiceField(
                label=f"Statement {n} is",
                choices=[("", "Choose"), *STATEMENT_KINDS],
                required=False,
            )
            self.fields[f"statement_{n}_source"] = forms.CharField(
                label=f"Statement {n} source",
                required=False,
                max_length=200,
                help_text="Who gave this information, for third-party information",
            )

    def clean_contact_date(self) -> dt.date:
        value = self.cleaned_data["contact_date"]
        _not_future(value, "The date of contact")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, CASE_NOTE_STATEMENTS + 1):
            text, kind, source = (
                data.get(f"statement_{n}"),
                data.get(f"statement_{n}_kind"),
                data.get(f"statement_{n}_source"),
            )
            if text and not kind:
                self.add_error(
                    f"statement_{n}_kind",
                    f"Say whether statement {n} is fact, opinion or third-party information",
                )
            if kind and not text:
                self.add_error(f"statement_{n}", f"Enter statement {n}, or clear its marking")
            if kind == "third_party" and not (source or "").strip():
                self.add_error(
                    f"statement_{n}_source",
                    f"Enter who gave the third-party information in statement {n}",
                )
        return data


class StatutoryVisitForm(WorkbookForm):
    visit_date = GovukDateField(label="Date of visit")
    announced = forms.ChoiceField(
        label="Was the visit announced?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the visit was announced"},
    )
    child_seen = forms.ChoiceField(
        label="Was the child seen?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the child was seen"},
    )
    seen_alone = forms.ChoiceField(
        label="Was the child seen alone?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        required=False,
    )
    not_seen_alone_reason = _text("Why the child was not seen alone", required=False, short=True)
    bedroom_seen = forms.ChoiceField(
        label="Was the child's bedroom seen?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the child's bedroom was seen"},
    )
    child_views = _text("The child's views")
    lived_experience = _text("The child's lived experience")
    observations = _text("Observations")

    def clean_visit_date(self) -> dt.date:
        value = self.cleaned_data["visit_date"]
        _not_future(value, "The date of visit")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("child_seen") == "yes" and not data.get("seen_alone"):
            self.add_error("seen_alone", "Say whether the child was seen alone")
        if (
            data.get("child_seen") == "yes"
            and data.get("seen_alone") == "no"
            and not data.get("not_seen_alone_reason")
        ):
            self.add_error("not_seen_alone_reason", "Explain why the child was not seen alone")
        return data


ASSESSMENT_OUTCOMES = [
    ("nfa", "No further action"),
    ("cin_plan", "Child in need plan"),
    ("s47", "Section 47 enquiry"),
    ("early_help", "Step down to early help"),
]


class AssessmentForm(WorkbookForm):
    referral_date = GovukDateField(
        label="Referral date", help_text="The 45-working-day clock starts here"
    )
    completed_date = optional_date("Date the assessment was completed")
    factors = forms.MultipleChoiceField(
        label="Factors identified at the end of assessment",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="CIN census codes: the number is the factor, the letter whose it is (A child, B parent or carer, C another person in the household)",
    )
    analysis = _text("Analysis")
    outcome = forms.ChoiceField(
        label="Outcome", choices=ASSESSMENT_OUTCOMES, widget=forms.RadioSelect, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["factors"], self.context.get("cin_factors", []))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        referral, completed = data.get("referral_date"), data.get("completed_date")
        if completed:
            if completed > timezone.localdate():
                self.add_error("completed_date", "The completion date must be today or in the past")
            if referral and completed < referral:
                self.add_error(
                    "completed_date", "The completion date must be on or after the referral date"
                )
            if not data.get("outcome"):
                self.add_error("outcome", "Choose the outcome of the assessment")
        return data


SPECIALISMS = [
    ("domestic_abuse", "Domestic abuse"),
    ("substance_use", "Substance use"),
    ("mental_health", "Mental health"),
]
DASH_RISK_LEVELS = [("standard", "Standard"), ("medium", "Medium"), ("high", "High")]
TREATMENT_ENGAGEMENT = [
    ("not_engaged", "Not engaged"),
    ("partly", "Partly engaged"),
    ("engaged", "Engaged"),
    ("completed", "Completed treatment"),
]
# Health detail is shown only to allocated workers and managers (DOMAIN.md, adult-assessment).
RESTRICTED_HEALTH_FIELDS = frozenset(
    {"presenting_needs", "services_involved", "substances", "audit_score", "treatment_engagement"}
)


class AdultAssessmentForm(WorkbookForm):
    specialism = forms.ChoiceField(
        label="Assessment",
        choices=SPECIALISMS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of assessment"},
    )
    dash_score = forms.IntegerField(
        label="DASH checklist score",
        required=False,
        validators=[
            MinValueValidator(0, "The DASH score must be between 0 and 24"),
            MaxValueValidator(DASH_MAX, "The DASH score must be between 0 and 24"),
        ],
        help_text="Number of 'yes' answers, 0 to 24",
    )
    risk_level = forms.ChoiceField(
        label="Domestic abuse risk level",
        choices=[("", "Choose a level"), *DASH_RISK_LEVELS],
        required=False,
    )
    marac_date = optional_date("MARAC date", "Multi-agency risk assessment conference, if referred")
    substances = _text("Substances used", required=False, short=True)
    audit_score = forms.IntegerField(
        label="AUDIT score",
        required=False,
        validators=[
            MinValueValidator(0, "The AUDIT score must be between 0 and 40"),
            MaxValueValidator(AUDIT_MAX, "The AUDIT score must be between 0 and 40"),
        ],
        help_text="0 to 40",
    )
    treatment_engagement = forms.ChoiceField(
        label="Engagement with treatment",
        choices=[("", "Choose"), *TREATMENT_ENGAGEMENT],
        required=False,
    )
    presenting_needs = _text("Presenting mental health needs", required=False)
    services_involved = _text("Mental health services involved", required=False, short=True)
    analysis = _text("Analysis")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        specialism = data.get("specialism")
        if specialism == "domestic_abuse":
            score, level = data.get("dash_score"), data.get("risk_level")
            if score is None and "dash_score" not in self.errors:
                self.add_error("dash_score", "Enter the DASH checklist score, from 0 to 24")
            if not level:
                self.add_error("risk_level", "Choose the domestic abuse risk level")
            if (
                score is not None
                and score >= DASH_HIGH_RISK_THRESHOLD
                and level
                and level != "high"
            ):
                self.add_error(
                    "risk_level",
                    "A DASH score of 14 or more is high risk. Choose high and consider a MARAC referral",
                )
        if specialism == "substance_use":
            if not data.get("substances"):
                self.add_error("substances", "Enter the substances used")
            if data.get("audit_score") is None and "audit_score" not in self.errors:
                self.add_error("audit_score", "Enter the AUDIT score, from 0 to 40")
            if not data.get("treatment_engagement"):
                self.add_error(
                    "treatment_engagement", "Choose how the person engages with treatment"
                )
        if specialism == "mental_health" and not data.get("presenting_needs"):
            self.add_error("presenting_needs", "Enter the presenting mental health needs")
        return data


PLAN_TYPES = [("cin", "Child in need plan"), ("cp", "Child protection plan")]


class PlanForm(WorkbookForm):
    plan_type = forms.ChoiceField(
        label="Type of plan",
        choices=PLAN_TYPES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of plan"},
    )
    outcomes = _text("Outcomes we want for the child")
    actions = _text("Actions: who will do what, by when")
    contingency = _text("Contingency plan")
    next_review_date = GovukDateField(label="Next review date")

    def clean_next_review_date(self) -> dt.date:
        value = self.cleaned_data["next_review_date"]
        if value < timezone.localdate():
            raise ValidationError("The next review date must be today or in the future")
        return value


PROGRAMME_STATUSES = [
    ("not_started", "Not started"),
    ("in_progress", "In progress"),
    ("completed", "Completed"),
    ("declined", "Declined"),
]


class FamilyProgrammeForm(WorkbookForm):
    module = forms.ChoiceField(label="Module", error_messages={"required": "Choose the module"})
    sessions_held = forms.IntegerField(
        label="Sessions held",
        min_value=0,
        max_value=100,
        error_messages={
            "min_value": "Sessions held cannot be negative",
            "required": "Enter the number of sessions held",
        },
    )
    status = forms.ChoiceField(
        label="Status",
        choices=PROGRAMME_STATUSES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the module's status"},
    )
    reflections = _text("The parent's reflections")
    analysis = _text("Worker's analysis")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self.fields["module"], [("", "Choose a module"), *self.context.get("modules", [])]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == "completed" and data.get("sessions_held") == 0:
            self.add_error("sessions_held", "A completed module must have at least one session")
        return data
