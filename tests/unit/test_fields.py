"""The API's field types on their own: what each takes, how it normalises, what it refuses."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from serve.fields import (
    Amount,
    Category,
    Day,
    Description,
    Instant,
    Name,
    Phone,
    Thresholds,
    TimeZoneName,
)


def valid(kind: Any, value: object) -> Any:
    return TypeAdapter(kind).validate_python(value)


def refusal(kind: Any, value: object) -> str:
    """The message a refused value gets; fails the test when the value is taken."""
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(kind).validate_python(value)
    [error] = refused.value.errors()
    return str(error["msg"])


# -- text


@pytest.mark.parametrize(
    "text",
    [
        "a\x00b",
        "line\nbreak",
        "carriage\rreturn",
        "tab\there",
        "del\x7f",
        "next\x85line",
        "line\u2028separator",
        "paragraph\u2029separator",
        "lone \ud800 surrogate",
        "trailing\n",
    ],
    ids=repr,
)
@pytest.mark.parametrize("kind", [Name, Category, Description], ids=["name", "category", "desc"])
def test_control_characters_and_line_breaks_are_refused(kind: Any, text: str) -> None:
    assert "must not contain control characters or line breaks" in refusal(kind, text)


def test_the_refusal_says_which_character_and_where() -> None:
    assert refusal(Name, "ab\x00") == (
        "must not contain control characters or line breaks (U+0000 at position 2)"
    )


def test_text_is_nfc_normalised_and_trimmed() -> None:
    assert valid(Name, "  Cafe\u0301  ") == "Caf\u00e9"
    assert valid(Category, " Caf\u00e9 ") == valid(Category, "CAFE\u0301") == "caf\u00e9"


@pytest.mark.parametrize("kind", [Name, Category, Description], ids=["name", "category", "desc"])
@pytest.mark.parametrize("text", ["", "   ", "\u3000\u00a0"], ids=repr)
def test_blank_text_is_refused(kind: Any, text: str) -> None:
    assert refusal(kind, text) == "must not be blank"


def test_length_is_checked_after_lower_casing() -> None:
    # "İ" lower-cases to "i" and a combining dot: 40 of them are 80 characters, over 64.
    assert refusal(Category, "\u0130" * 40) == "must be at most 64 characters"
    assert len(valid(Category, "\u0130" * 32)) == 64


def test_length_is_checked_after_normalising() -> None:
    # 64 letters written as letter + combining accent: 128 code points in, 64 out.
    assert valid(Category, "e\u0301" * 64) == "\u00e9" * 64
    assert refusal(Name, "x" * 101) == "must be at most 100 characters"


def test_other_unicode_is_kept() -> None:
    assert valid(Description, "Café ☕ 東京 עברית") == "Café ☕ 東京 עברית"


# -- days and instants


@pytest.mark.parametrize("day", ["1970-01-01", "2026-11-24", "2200-12-31"])
def test_days_in_the_supported_range_are_taken(day: str) -> None:
    assert valid(Day, day) == date.fromisoformat(day)


@pytest.mark.parametrize("day", ["0001-01-01", "1969-12-31", "2201-01-01", "9999-12-31"])
def test_days_outside_the_supported_range_are_refused(day: str) -> None:
    assert refusal(Day, day) == "must be a day from 1970-01-01 to 2200-12-31"


@pytest.mark.parametrize(
    "instant",
    [
        "0001-01-01T00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "1969-12-31T23:59:59+00:00",
        "2201-01-01T00:00:00+14:00",
    ],
)
def test_instants_outside_the_range_in_any_offset_are_refused(instant: str) -> None:
    assert refusal(Instant, instant) == "must be a day from 1970-01-01 to 2200-12-31"


def test_instants_in_the_range_keep_their_offset() -> None:
    taken = valid(Instant, "2200-12-31T23:59:59-12:00")
    assert taken.astimezone(UTC) == datetime(2201, 1, 1, 11, 59, 59, tzinfo=UTC)
    assert "timezone" in refusal(Instant, "2026-11-24T10:00:00")


# -- amounts


@pytest.mark.parametrize(
    ("given", "taken"),
    [
        (12, "12.00"),
        (Decimal("12.5"), "12.50"),
        ("0.10", "0.10"),
        ("1234567.89", "1234567.89"),
        ("1e2", "100.00"),
    ],
)
def test_amounts_as_numbers_or_ascii_decimal_strings(given: object, taken: str) -> None:
    assert valid(Amount, given) == Decimal(taken)


@pytest.mark.parametrize(
    "text",
    [
        "1_000",
        "\u0661\u0660\u0660\u0660",
        "\uff11\uff10",
        " 5",
        "5 ",
        "+5",
        "NaN",
        "Infinity",
        "1,000",
        "0x10",
        "",
        "10.",
    ],
    ids=repr,
)
def test_amount_strings_other_than_ascii_decimals_are_refused(text: str) -> None:
    assert refusal(Amount, text) == "must be a decimal number in ASCII digits, such as 12.50"


def test_amount_rules_still_apply_to_ascii_decimals() -> None:
    assert refusal(Amount, "0").endswith("must be greater than zero")
    assert refusal(Amount, "10.005").endswith("must have at most two decimal places")
    assert refusal(Amount, True).startswith("Decimal input should be")


# -- phones and time zones


def test_an_e164_phone_is_taken_trimmed() -> None:
    assert valid(Phone, " +442071838750 ") == "+442071838750"


@pytest.mark.parametrize(
    "phone",
    [
        "+\u0661\u0665\u0665\u0665\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
        "12",
        "+1555",
        "+0123456789",
        "+1 555 123 4567",
        "+1555123456789012",
        "+1555\x00123456",
    ],
    ids=repr,
)
def test_other_phones_are_refused(phone: str) -> None:
    assert refusal(Phone, phone).startswith("must be an E.164 number")


@pytest.mark.parametrize(
    "zone", ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "US/Eastern", "Etc/GMT+5"]
)
def test_iana_zones_and_their_links_are_taken(zone: str) -> None:
    assert valid(TimeZoneName, zone) == zone


@pytest.mark.parametrize(
    "zone",
    [
        "localtime",
        "Factory",
        "posixrules",
        "posix/Europe/Berlin",
        "right/UTC",
        "Mars/Olympus",
        "../../etc/passwd",
        "",
        "europe/berlin",
        "Europe/Berlin\x00",
    ],
    ids=repr,
)
def test_names_that_are_not_iana_zones_are_refused(zone: str) -> None:
    assert refusal(TimeZoneName, zone).startswith("must be an IANA time zone such as")


# -- thresholds


def test_thresholds_are_distinct_strict_integers_sorted() -> None:
    assert valid(Thresholds, [100, 50, 80]) == [50, 80, 100]
    assert refusal(Thresholds, [80, 80]) == "thresholds must be distinct"


@pytest.mark.parametrize("item", [True, "80", Decimal("80.0"), 80.0, 0, 1001], ids=repr)
def test_a_threshold_that_is_not_a_whole_percentage_is_refused(item: object) -> None:
    refusal(Thresholds, [item])
