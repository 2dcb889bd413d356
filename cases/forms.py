"""HTML forms for cases pages. Forms parse input; services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguarding.forms import GovukDateField, optional_date, set_choices, set_queryset
from teams.models import Team, User

from .models import (
    BREAK_GLASS_MAX_HOURS,
    DismissalReason,
    Family,
    FamilyMember,
    HouseholdRole,
    Person,
    RelationshipKind,
    Sex,
    StatusKind,
    WarningKind,
)
from .selectors import reference_codes
from .services import PersonDetails


def _code_choices(code_list: str, blank: str) -> list[tuple[str, str]]:
    return [
        ("", blank),
        *((code, f"{code} - {label}") for code, label in reference_codes(code_list)),
    ]


def _user_choices(users: list[User], blank: str) -> list[tuple[str, str]]:
    return [("", blank), *((str(u.pk), u.get_full_name()) for u in users)]


class PersonFieldsMixin(forms.Form):
    given_name = forms.CharField(label="First name", max_length=100, required=False)
    family_name = forms.CharField(label="Last name", max_length=100, required=False)
    date_of_birth = optional_date("Date of birth")
    expected_date_of_birth = optional_date(
        "Expected date of birth", "Only for an unborn child. Leave the date of birth empty."
    )
    sex = forms.ChoiceField(
        label="Sex", choices=Sex.choices, widget=forms.RadioSelect, initial=Sex.UNKNOWN
    )
    nhs_number = forms.CharField(
        label="NHS number",
        max_length=13,
        required=False,
        help_text="10 digits, for example 999 123 4500. Leave empty if not known.",
    )

    def person_details(self, prefix: str = "") -> PersonDetails:
        data = self.cleaned_data
        return PersonDetails(
            given_name=data[f"{prefix}given_name"] or "",
            family_name=data[f"{prefix}family_name"] or "",
            date_of_birth=data[f"{prefix}date_of_birth"],
            expected_date_of_birth=data[f"{prefix}expected_date_of_birth"],
            sex=data[f"{prefix}sex"] or Sex.UNKNOWN,
            nhs_number=data[f"{prefix}nhs_number"] or "",
        )


class PersonForm(PersonFieldsMixin):
    confirmed_new = forms.BooleanField(
        label="I have checked the possible matches and this is a different person", required=False
    )


class PersonEditForm(PersonFieldsMixin):
    deceased_date = optional_date("Date of death", "Only if the person has died.")


class ReferralForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), label="Team", empty_label="Choose a team"
    )
    family_name = forms.CharField(
        label="Family name", max_length=150, help_text="For example, the Hughes family"
    )
    address_line_1 = forms.CharField(label="Address line 1", max_length=200, required=False)
    town = forms.CharField(label="Town or city", max_length=100, required=False)
    postcode = forms.CharField(label="Postcode", max_length=10, required=False)
    referral_date = GovukDateField(label="Referral date")
    referral_source = forms.ChoiceField(label="Referral source", choices=())
    lead_social_worker = forms.ChoiceField(label="Lead social worker", choices=())
    restricted = forms.BooleanField(
        label="Restrict this family",
        required=False,
        help_text="Only allocated workers, and people given access, can open a restricted family.",
    )
    child_given_name = forms.CharField(label="Child's first name", max_length=100, required=False)
    child_family_name = forms.CharField(label="Child's last name", max_length=100, required=False)
    child_date_of_birth = optional_date("Child's date of birth")
    child_expected_date_of_birth = optional_date(
        "Child's expected date of birth", "Only for an unborn child."
    )
    child_sex = forms.ChoiceField(
        label="Child's sex", choices=Sex.choices, widget=forms.RadioSelect, initial=Sex.UNKNOWN
    )
    child_nhs_number = forms.CharField(label="Child's NHS number", max_length=13, required=False)
    adult_given_name = forms.CharField(
        label="Parent or carer's first name", max_length=100, required=False
    )
    adult_family_name = forms.CharField(
        label="Parent or carer's last name", max_length=100, required=False
    )
    adult_date_of_birth = optional_date("Parent or carer's date of birth")
    adult_expected_date_of_birth = optional_date(
        "Parent or carer's expected date of birth", "Leave empty."
    )
    adult_sex = forms.ChoiceField(
        required=False,
        label="Parent or carer's sex",
        choices=Sex.choices,
        widget=forms.RadioSelect,
        initial=Sex.UNKNOWN,
    )
    adult_nhs_number = forms.CharField(
        label="Parent or carer's NHS number", max_length=13, required=False
    )
    confirmed_new = forms.BooleanField(
        label="I have checked the possible matches and these are different people", required=False
    )

    def __init__(self, *args: Any, teams: Any, workers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["team"], teams)
        set_choices(
            self.fields["referral_source"], _code_choices("referral_source", "Choose a source")
        )
        set_choices(
            self.fields["lead_social_worker"], _user_choices(workers, "Choose a social worker")
        )
        self.workers = {str(u.pk): u for u in workers}

    def has_adult(self) -> bool:
        return any(
            self.cleaned_data.get(f"adult_{name}")
            for name in ("given_name", "family_name", "date_of_birth", "nhs_number")
        )

    def person_details(self, prefix: str) -> PersonDetails:
        return PersonFieldsMixin.person_details(self, prefix)  # type: ignore[arg-type]

    def lead(self) -> User:
        return self.workers[self.cleaned_data["lead_social_worker"]]


class FamilyMemberForm(PersonFieldsMixin):
    existing_nhs_number = forms.CharField(
        label="NHS number of someone already recorded",
        max_length=13,
        required=False,
        help_text="To add a person who is already in another family you can see. Otherwise fill in their details below.",
    )
    household_role = forms.ChoiceField(
        label="Place in the household", choices=HouseholdRole.choices, widget=forms.RadioSelect
    )
    confirmed_new = forms.BooleanField(
        label="I have checked the possible matches and this is a different person", required=False
    )


class RelationshipForm(forms.Form):
    from_person = forms.ChoiceField(label="Person")
    kind = forms.ChoiceField(
        label="Relationship", choices=[("", "Choose a relationship"), *RelationshipKind.choices]
    )
    to_person = forms.ChoiceField(label="To")

    def __init__(self, *args: Any, members: list[FamilyMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            ("", "Choose a person"),
            *((str(m.person_id), m.person.full_name) for m in members),
        ]
        set_choices(self.fields["from_person"], choices)
        set_choices(self.fields["to_person"], choices)
        self.people = {str(m.person_id): m.person for m in members}


class AllocationForm(forms.Form):
    worker = forms.ChoiceField(label="Worker")
    adult = forms.ChoiceField(
        label="Adult they will work with",
        required=False,
        help_text="Required for domestic abuse, mental health and substance use specialists.",
    )
    start_date = GovukDateField(label="Start date")

    def __init__(
        self, *args: Any, workers: list[User], adults: list[Person], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["worker"], _user_choices(workers, "Choose a worker"))
        set_choices(
            self.fields["adult"],
            [("", "Not allocated to one adult"), *((str(p.pk), p.full_name) for p in adults)],
        )
        self.workers = {str(u.pk): u for u in workers}
        self.adults = {str(p.pk): p for p in adults}
        self.initial.setdefault("start_date", timezone.localdate())


class EndDateForm(forms.Form):
    end_date = GovukDateField(label="End date")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("end_date", timezone.localdate())


class TransferForm(forms.Form):
    to_team = forms.ModelChoiceField(
        queryset=Team.objects.none(), label="Team", empty_label="Choose a team"
    )
    lead_social_worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Lead social worker in the new team",
        empty_label="Choose a social worker",
    )

    def __init__(self, *args: Any, teams: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["to_team"], teams)
        set_queryset(self.fields["lead_social_worker"], workers)


class CloseForm(forms.Form):
    closed_date = GovukDateField(label="Closure date")
    closure_reason = forms.ChoiceField(label="Reason for closure", choices=())
    note = forms.CharField(
        label="Closing summary", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self.fields["closure_reason"], _code_choices("closure_reason", "Choose a reason")
        )
        self.initial.setdefault("closed_date", timezone.localdate())


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why is the case being reopened?", widget=forms.Textarea(attrs={"rows": 3})
    )


class StatusForm(forms.Form):
    person = forms.ChoiceField(label="Child")
    kind = forms.ChoiceField(label="Status", choices=StatusKind.choices, widget=forms.RadioSelect)
    start_date = GovukDateField(label="Start date")
    cp_category = forms.ChoiceField(
        label="Category of abuse or neglect",
        required=False,
        help_text="For a child protection plan.",
    )
    legal_status = forms.ChoiceField(
        label="Legal status", required=False, help_text="For a looked-after child."
    )
    strategy_discussion_date = optional_date(
        "Strategy discussion date", "For a section 47 enquiry."
    )
    icpc_date = optional_date("Initial child protection conference date")

    def __init__(self, *args: Any, children: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self.fields["person"],
            [("", "Choose a child"), *((str(p.pk), p.full_name) for p in children)],
        )
        set_choices(
            self.fields["cp_category"], _code_choices("cp_category", "Not a child protection plan")
        )
        set_choices(
            self.fields["legal_status"], _code_choices("lac_legal_status", "Not looked after")
        )
        self.children = {str(p.pk): p for p in children}


class WarningForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of warning", choices=WarningKind.choices, widget=forms.RadioSelect
    )
    person = forms.ChoiceField(label="About", required=False)
    details = forms.CharField(
        label="What should a colleague know before visiting?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    review_date = GovukDateField(label="Review date")

    def __init__(self, *args: Any, members: list[FamilyMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self.fields["person"],
            [("", "The whole family"), *((str(m.person_id), m.person.full_name) for m in members)],
        )
        self.people = {str(m.person_id): m.person for m in members}


class EmergencyAccessForm(forms.Form):
    family_reference = forms.CharField(
        label="Family reference", max_length=12, help_text="For example, FS-000123"
    )
    reason = forms.CharField(
        label="Why do you need to open this family's record now?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="At least 20 characters. Your reason is sent to the family's team manager and reviewed.",
    )
    hours = forms.TypedChoiceField(
        label="How long do you need access?",
        coerce=int,
        widget=forms.RadioSelect,
        choices=[
            (h, f"{h} hour{'s' if h > 1 else ''}") for h in range(1, BREAK_GLASS_MAX_HOURS + 1)
        ],
        initial=BREAK_GLASS_MAX_HOURS,
    )

    def clean_family_reference(self) -> int:
        pk = Family.pk_from_reference(self.cleaned_data["family_reference"])
        if pk is None:
            raise ValidationError("Enter a family reference in the format FS-000123")
        return pk


class GrantReviewForm(forms.Form):
    outcome = forms.CharField(
        label="Review outcome",
        max_length=300,
        help_text="For example, 'Justified: out-of-hours police call'",
    )


class ShareForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Reviewing officer or conference chair",
        empty_label="Choose a person",
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["user"], users)


class SearchForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, required=False)
    date_of_birth = optional_date("Date of birth")
    nhs_number = forms.CharField(label="NHS number", max_length=13, required=False)

    def clean_nhs_number(self) -> str:
        from .validators import validate_nhs_number

        value = self.cleaned_data["nhs_number"].strip()
        return validate_nhs_number(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not any(
            data.get(name) for name in ("name", "date_of_birth", "nhs_number")
        ):
            raise ValidationError("Enter a name, a date of birth or an NHS number to search")
        return data


class ChronologyFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Show", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .models import ChronologyKind

        set_choices(self.fields["kind"], [("", "All events"), *ChronologyKind.choices])


class TeamCaseloadFilterForm(forms.Form):
    worker = forms.ChoiceField(label="Worker", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *StatusKind.choices]
    )

    def __init__(self, *args: Any, workers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["worker"], _user_choices(workers, "All workers"))
        self.workers = {str(u.pk): u for u in workers}


class MembershipStartForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Person", empty_label="Choose a person"
    )
    role = forms.ChoiceField(label="Role")
    start_date = GovukDateField(label="Start date")
    is_home_team = forms.BooleanField(label="This is their home team", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from teams.roles import Role

        super().__init__(*args, **kwargs)
        set_queryset(
            self.fields["user"],
            User.objects.filter(is_active=True, service_role="").order_by(
                "family_name", "given_name"
            ),
        )
        set_choices(self.fields["role"], [("", "Choose a role"), *Role.choices])
        self.initial.setdefault("start_date", timezone.localdate())


class CoreGroupForm(forms.Form):
    held_on = GovukDateField(label="Date of the first core group meeting")


class WarningReviewForm(forms.Form):
    review_date = GovukDateField(
        label="Next review date",
        help_text="The warning still applies. When should it be reviewed again?",
    )


class ReviewConferenceForm(forms.Form):
    held_on = GovukDateField(label="Date the review conference was held")
    next_review_date = optional_date(
        "Date of the next review", "Leave empty for 6 months after this one, the longest allowed."
    )


# --- partner notification triage ------------------------------------------------------------------

ANOTHER_FAMILY = "another"


class TriageMatchForm(forms.Form):
    """Which family a notification is about: one of the suggested families with an open case,
    or another family by its reference. With no suggestions there is only the reference.

    Plain radios and a text input rather than a GOV.UK conditional reveal: its JavaScript puts
    ``aria-expanded`` on a radio, which axe reports as a critical violation (govuk-frontend
    issue 979), and the browser tests hold every page to axe."""

    family = forms.ChoiceField(
        label="Which family is this notification about?",
        widget=forms.RadioSelect,
        required=False,
    )
    family_reference = forms.CharField(
        label="Family reference",
        max_length=12,
        required=False,
        help_text="For example, FS-000123",
    )

    def __init__(self, *args: Any, families: list[Family], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if families:
            set_choices(
                self.fields["family"],
                [
                    *((str(f.pk), f"{f.reference}: {f.name}") for f in families),
                    (ANOTHER_FAMILY, "Another family (enter its reference below)"),
                ],
            )
            self.fields["family_reference"].label = "Reference of another family"
            self.fields[
                "family_reference"
            ].help_text = "Only if you chose another family. For example, FS-000123"
        else:
            del self.fields["family"]

    @property
    def has_suggestions(self) -> bool:
        return "family" in self.fields

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        reference = (data.get("family_reference") or "").strip()
        choice = data.get("family") if self.has_suggestions else ANOTHER_FAMILY
        if not choice:
            if not reference:
                self.add_error("family", "Choose the family this notification is about")
                return data
            choice = ANOTHER_FAMILY
        data["typed_reference"] = choice == ANOTHER_FAMILY
        if choice != ANOTHER_FAMILY:
            if reference:
                self.add_error(
                    "family_reference",
                    "Clear the reference, or choose another family to match to the family with this reference",
                )
                return data
            data["family_pk"] = int(str(choice))
            return data
        if not reference:
            self.add_error("family_reference", "Enter the family reference, for example FS-000123")
            return data
        pk = Family.pk_from_reference(reference)
        if pk is None:
            self.add_error("family_reference", "Enter a family reference in the format FS-000123")
            return data
        data["family_pk"] = pk
        return data


class TriageDismissForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you dismissing it?",
        choices=DismissalReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you are dismissing the notification"},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed if you chose Other. For example, the reference of the duplicate.",
        error_messages={"max_length": "The note must be 500 characters or fewer"},
    )
