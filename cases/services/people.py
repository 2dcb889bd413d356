"""People: create and update with NHS number checks and duplicate detection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguarding.lib.services import service
from teams.models import User

from ..models import Person, Sex
from ..selectors import similar_people
from ..validators import validate_nhs_number


@dataclass(frozen=True)
class PersonDetails:
    given_name: str
    family_name: str
    date_of_birth: dt.date | None = None
    expected_date_of_birth: dt.date | None = None
    sex: str = Sex.UNKNOWN
    nhs_number: str = ""
    ethnicity_code: str = ""
    upn: str = ""


class DuplicatePersonError(ValidationError):
    """Raised when the details match someone already recorded.

    ``blocking`` is true for an NHS number already in use (it identifies one person), false
    for people with a similar name and the same date of birth, which the user may confirm.
    ``candidates`` holds only people the acting user is allowed to see."""

    def __init__(self, message: str, *, blocking: bool, candidates: list[Person]) -> None:
        super().__init__(message, code="duplicate_blocking" if blocking else "duplicate_possible")
        self.blocking = blocking
        self.candidates = candidates


def _clean(details: PersonDetails) -> dict[str, object]:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    given = details.given_name.strip()
    family = details.family_name.strip()
    if not given:
        errors["given_name"] = "Enter the person's first name"
    if not family:
        errors["family_name"] = "Enter the person's last name"
    if details.date_of_birth and details.expected_date_of_birth:
        errors["expected_date_of_birth"] = (
            "Enter a date of birth or an expected date of birth, not both"
        )
    elif details.date_of_birth is None and details.expected_date_of_birth is None:
        errors["date_of_birth"] = (
            "Enter a date of birth, or an expected date of birth for an unborn child"
        )
    if details.date_of_birth and details.date_of_birth > today:
        errors["date_of_birth"] = (
            "Date of birth must be today or in the past. For an unborn child, enter the expected date of birth"
        )
    if details.date_of_birth and details.date_of_birth.year < 1900:
        errors["date_of_birth"] = "Date of birth must be after 1900"
    if details.expected_date_of_birth and details.expected_date_of_birth <= today - dt.timedelta(
        days=31
    ):
        errors["expected_date_of_birth"] = (
            "Expected date of birth must be in the future or the last month. If the child has been born, enter their date of birth"
        )
    if details.sex not in Sex.values:
        errors["sex"] = "Select the person's sex, or 'Not known or not stated'"
    nhs_number = ""
    if details.nhs_number.strip():
        try:
            nhs_number = validate_nhs_number(details.nhs_number)
        except ValidationError as exc:
            errors["nhs_number"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return {
        "given_name": given,
        "family_name": family,
        "date_of_birth": details.date_of_birth,
        "expected_date_of_birth": details.expected_date_of_birth,
        "sex": details.sex,
        "nhs_number": nhs_number,
        "ethnicity_code": details.ethnicity_code.strip(),
        "upn": details.upn.strip().upper(),
    }


def _check_duplicates(
    actor: User, values: dict[str, object], *, exclude_pk: int | None, confirmed: bool
) -> None:
    nhs_number = str(values["nhs_number"])
    if nhs_number:
        clash = Person.objects.filter(nhs_number=nhs_number).exclude(pk=exclude_pk or 0).first()
        if clash is not None:
            visible = list(Person.objects.visible_to(actor).filter(pk=clash.pk))
            raise DuplicatePersonError(
                "A person with this NHS number is already recorded. Use their record instead of creating a new one"
                if visible
                else "A person with this NHS number is already recorded in a family you cannot see. Ask your team manager to check before you go on",
                blocking=True,
                candidates=visible,
            )
    if confirmed or values["date_of_birth"] is None:
        return
    candidates = [
        candidate
        for candidate in similar_people(
            actor,
            given_name=str(values["given_name"]),
            family_name=str(values["family_name"]),
            date_of_birth=values["date_of_birth"],  # type: ignore[arg-type]
        )
        if candidate.pk != exclude_pk
    ]
    if candidates:
        raise DuplicatePersonError(
            "There may already be a record for this person. Check the people listed, then use their record or confirm this is someone new",
            blocking=False,
            candidates=candidates,
        )


@service
def person_create(*, actor: User, details: PersonDetails, confirmed_new: bool = False) -> Person:
    values = _clean(details)
    _check_duplicates(actor, values, exclude_pk=None, confirmed=confirmed_new)
    return Person.objects.create(**values)


@service
def person_update(
    *, actor: User, person: Person, details: PersonDetails, deceased_date: dt.date | None = None
) -> Person:
    values = _clean(details)
    _check_duplicates(actor, values, exclude_pk=person.pk, confirmed=True)
    if deceased_date is not None:
        born = values["date_of_birth"]
        if deceased_date > timezone.localdate():
            raise ValidationError({"deceased_date": "Date of death must be today or in the past"})
        if isinstance(born, dt.date) and deceased_date < born:
            raise ValidationError(
                {"deceased_date": "Date of death must be on or after the date of birth"}
            )
    for name, value in values.items():
        setattr(person, name, value)
    person.deceased_date = deceased_date
    person.save()
    return person
