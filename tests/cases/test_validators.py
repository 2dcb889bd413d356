"""NHS number checks. Pure functions: no database.

Each expected check digit was worked by hand with the modulus 11 rule (weights 10 down to 2,
check digit = 11 - total mod 11, where 11 means 0 and 10 means no valid number).
"""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError

from cases.validators import (
    format_nhs_number,
    nhs_check_digit,
    normalise_nhs_number,
    synthetic_nhs_number,
    validate_nhs_number,
)

FORMAT_MESSAGE = "Enter an NHS number with 10 digits, like 999 123 4500"
CHECKSUM_MESSAGE = (
    "Enter a valid NHS number: the last digit does not match. "
    "Check it against the letter or record you have"
)


@pytest.mark.parametrize(
    ("first_nine", "check_digit"),
    [
        # 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299; 299 mod 11 = 2; 11 - 2 = 9
        ("943476591", 9),
        # 4*10 + 0 + 1*8 + 0 + 2*6 + 3*5 + 2*4 + 1*3 + 3*2 = 92; 92 mod 11 = 4; 11 - 4 = 7
        ("401023213", 7),
        # 9*10 + 9*9 + 9*8 + 5*2 = 253 = 23 * 11; 11 - 0 = 11, which is written as 0
        ("999000005", 0),
        # 9*10 + 9*9 + 9*8 + 1*2 = 245; 245 mod 11 = 3; 11 - 3 = 8
        ("999000001", 8),
    ],
)
def test_check_digit_of_known_numbers(first_nine: str, check_digit: int) -> None:
    assert nhs_check_digit(first_nine) == check_digit


@pytest.mark.parametrize(
    "first_nine",
    [
        # 9*10 + 9*9 + 9*8 = 243; 243 mod 11 = 1; 11 - 1 = 10: no number has these nine digits
        "999000000",
        # 9*10 + 9*9 + 9*8 + 1*7 + 2*6 + 3*5 + 4*4 + 5*3 + 6*2 = 320; 320 mod 11 = 1
        "999123456",
    ],
)
def test_nine_digits_that_would_need_a_check_digit_of_ten_have_no_valid_number(
    first_nine: str,
) -> None:
    assert nhs_check_digit(first_nine) is None


@pytest.mark.parametrize("typed", ["9434765919", "943 476 5919", " 943-476-5919 ", "943\t476 5919"])
def test_a_valid_number_is_returned_as_ten_digits_however_it_was_typed(typed: str) -> None:
    assert validate_nhs_number(typed) == "9434765919"


@pytest.mark.parametrize(
    "typed",
    ["", "943 476 591", "943 476 59190", "943 476 591O", "NHS 9434765919", "943.476.5919"],
)
def test_anything_but_ten_digits_is_a_format_error(typed: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_nhs_number(typed)

    assert excinfo.value.messages == [FORMAT_MESSAGE]
    assert excinfo.value.code == "nhs_format"


@pytest.mark.parametrize("typed", ["943 476 5918", "401 023 2130", "999 000 0000"])
def test_a_wrong_last_digit_is_a_checksum_error(typed: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_nhs_number(typed)

    assert excinfo.value.messages == [CHECKSUM_MESSAGE]
    assert excinfo.value.code == "nhs_checksum"


def test_the_example_in_the_format_message_is_a_valid_nhs_number() -> None:
    assert validate_nhs_number("999 123 4500") == "9991234500"


@pytest.mark.parametrize("seed", range(10))
def test_synthetic_numbers_are_valid_and_in_the_999_test_range(seed: int) -> None:
    number = synthetic_nhs_number(random.Random(seed))

    assert number.startswith("999")
    assert validate_nhs_number(number) == number


def test_synthetic_numbers_are_repeatable_from_the_same_seed() -> None:
    assert synthetic_nhs_number(random.Random(42)) == synthetic_nhs_number(random.Random(42))


def test_normalising_removes_spaces_and_hyphens() -> None:
    assert normalise_nhs_number(" 943-476 5919 ") == "9434765919"


def test_formatting_groups_the_digits_three_three_four() -> None:
    assert format_nhs_number("9434765919") == "943 476 5919"
    assert format_nhs_number("94347") == "94347"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("FS-000123", 123),
        (" fs-000123 ", 123),
        ("000042", 42),
        ("FS-²²²", None),  # digits to str.isdigit(), not to int()
        ("FS-١٢٣", None),  # Arabic-Indic digits
        ("FS-" + "9" * 30, None),  # would overflow a bigint
        ("FS-12a", None),
        ("", None),
    ],
)
def test_family_reference_to_pk(typed: str, expected: int | None) -> None:
    from cases.models import Family

    assert Family.pk_from_reference(typed) == expected
