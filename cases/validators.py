"""Validation of identifiers that have a checksum."""

from __future__ import annotations

import random

from django.core.exceptions import ValidationError

NHS_NUMBER_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# NHS Digital reserves numbers starting 999 for testing; they are never issued to a person.
SYNTHETIC_NHS_PREFIX = "999"


def nhs_check_digit(first_nine: str) -> int | None:
    """Modulus 11 check digit of an NHS number, or None when no valid number has these digits."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, NHS_NUMBER_WEIGHTS, strict=True)
    )
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: str) -> str:
    return "".join(value.split()).replace("-", "")


def validate_nhs_number(value: str) -> str:
    """Return the ten digits of a valid NHS number, or raise a user-facing ValidationError."""
    digits = normalise_nhs_number(value)
    # ASCII only: str.isdigit() is also true of "²" and other digits int() cannot read.
    if not (digits.isascii() and digits.isdigit()) or len(digits) != 10:
        raise ValidationError(
            "Enter an NHS number with 10 digits, like 999 123 4500", code="nhs_format"
        )
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            "Enter a valid NHS number: the last digit does not match. Check it against the letter or record you have",
            code="nhs_checksum",
        )
    return digits


def synthetic_nhs_number(rng: random.Random) -> str:
    """A valid NHS number from the 999 test range, for synthetic data only."""
    while True:
        first_nine = SYNTHETIC_NHS_PREFIX + "".join(str(rng.randrange(10)) for _ in range(6))
        check = nhs_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"


def format_nhs_number(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits
