"""Forms for the workforce pages (GOV.UK components through ``govuk_field``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from safeguarding.forms import GovukDateField

from ..models import Organisation, User
from ..roles import Role
from .models import MI_SCORE_MAX, MI_SCORE_MIN, Course, ObservationContext


class EstablishmentForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Choose a role"), *Role.choices],
        error_messages={"required": "Choose a role"},
    )
    fte = forms.DecimalField(
        label="Planned posts, in full-time equivalents",
        help_text="For example, 2.5 for two full-time posts and one half-time post. Enter 0 if the team has none.",
        min_value=Decimal("0"),
        max_value=Decimal("99.99"),
        max_digits=4,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-5"}),
        error_messages={
            "required": "Enter the number of planned posts",
            "invalid": "Enter the number of posts as a number, like 2.5",
            "min_value": "Enter 0 or more posts",
            "max_value": "Enter fewer than 100 posts",
            "max_decimal_places": "Enter the posts to 2 decimal places at most, like 0.75",
            "max_digits": "Enter fewer than 100 posts",
        },
    )
    start_date = GovukDateField(label="Date the change takes effect")
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=300,
        help_text="For example, the funding or the decision behind the change.",
    )


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(
        label="Course or workshop",
        queryset=Course.objects.filter(is_active=True),
        empty_label="Choose a course",
        error_messages={"required": "Choose a course or workshop"},
    )
    held_on = GovukDateField(label="Date of the session")
    trainer = forms.ModelChoiceField(
        label="Trainer",
        queryset=User.objects.none(),
        empty_label="Choose the trainer",
        error_messages={"required": "Choose the trainer"},
    )
    capacity = forms.IntegerField(
        label="Number of places",
        min_value=1,
        max_value=200,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter the number of places",
            "invalid": "Enter the number of places as a whole number, like 16",
            "min_value": "Enter 1 place or more",
            "max_value": "Enter 200 places or fewer",
        },
    )
    venue = forms.CharField(label="Where (optional)", required=False, max_length=200)

    def __init__(self, *args: Any, trainers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = trainers  # type: ignore[attr-defined]


class PlaceForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Person",
        queryset=User.objects.none(),
        empty_label="Choose a person",
        error_messages={"required": "Choose the person to book a place for"},
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people  # type: ignore[attr-defined]


class AttendanceForm(forms.Form):
    attended = forms.TypedMultipleChoiceField(
        label="Who attended?",
        help_text="Select everyone who attended. Everyone else is recorded as not attending.",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = people  # type: ignore[attr-defined]


SCORE_CHOICES = [(str(n), str(n)) for n in range(MI_SCORE_MIN, MI_SCORE_MAX + 1)]


def _score(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text="1 is low, 5 is high.",
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": f"Score {label.lower()} from 1 to 5"},
    )


class ObservationForm(forms.Form):
    observed_on = GovukDateField(label="Date of the observation")
    context = forms.ChoiceField(
        label="Where was the practice observed?",
        choices=ObservationContext.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where the practice was observed"},
    )
    cultivating_change_talk = _score("Cultivating change talk")
    softening_sustain_talk = _score("Softening sustain talk")
    partnership = _score("Partnership")
    empathy = _score("Empathy")
    strengths = forms.CharField(
        label="Strengths",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the strengths you saw"},
    )
    development_points = forms.CharField(
        label="Development points",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter at least one development point"},
    )


class MembershipPostForm(forms.Form):
    fte = forms.DecimalField(
        label="Full-time equivalent in this team",
        min_value=Decimal("0.01"),
        max_value=Decimal("1"),
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter the FTE, like 0.5",
            "invalid": "Enter the FTE as a number, like 0.5",
            "min_value": "Enter an FTE more than 0",
            "max_value": "Enter an FTE of 1 or less",
        },
    )
    employer = forms.ModelChoiceField(
        label="Employer for this post (optional)",
        queryset=Organisation.objects.all(),
        required=False,
        empty_label="Their usual employer",
        help_text="Choose the partner organisation when the post is a secondment.",
    )
    is_contingency = forms.BooleanField(
        label="Covers a vacancy",
        required=False,
        help_text="Agency, locum, acting up or cover from another team: counts as cover, not a filled post.",
    )
