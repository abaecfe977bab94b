"""Money: amounts as people type them, rounding as people round, percentages of a limit."""

from decimal import Decimal

import pytest

from actors.domain.money import CENT, LARGEST, ZERO, cents, check_amount, percent_of, reaches


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("0.01", "0.01"),
        ("12", "12.00"),
        ("12.5", "12.50"),
        ("12.50", "12.50"),
        ("12.500", "12.50"),
        ("999999999999.99", "999999999999.99"),
    ],
)
def test_a_valid_amount_is_kept_with_two_places(typed: str, kept: str) -> None:
    amount = check_amount(Decimal(typed))
    assert amount == Decimal(typed)
    assert str(amount) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "0",
        "0.00",
        "-0",
        "-0.01",
        "-12",
        "0.001",
        "12.345",
        "12.3456789",
        "1000000000000",
        "999999999999.991",
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
    ],
)
def test_an_invalid_amount_is_refused_with_value_error(typed: str) -> None:
    with pytest.raises(ValueError):
        check_amount(Decimal(typed))


@pytest.mark.parametrize("typed", ["1E+26", "1E+30", "123456789012345678901234567890"])
def test_an_absurdly_large_amount_is_refused_with_value_error(typed: str) -> None:
    """A caller that turns ValueError into a 422 must not see another exception type."""
    with pytest.raises(ValueError):
        check_amount(Decimal(typed))


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [
        ("2.675", "2.68"),
        ("2.665", "2.67"),
        ("2.664", "2.66"),
        ("0.005", "0.01"),
        ("0.0049", "0.00"),
        ("-2.675", "-2.68"),
        ("10", "10.00"),
        ("33.3333333333", "33.33"),
    ],
)
def test_cents_rounds_half_up_to_two_places(raw: str, rounded: str) -> None:
    assert str(cents(Decimal(raw))) == rounded


def test_constants_are_decimals_with_two_places() -> None:
    for value in (CENT, ZERO, LARGEST):
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("spent", "limit", "percent"),
    [
        ("0", "100", "0.00"),
        ("50", "200", "25.00"),
        ("100", "100", "100.00"),
        ("150", "100", "150.00"),
        ("1", "3", "33.33"),
        ("2", "3", "66.67"),
        ("0.01", "300", "0.00"),
        ("0.02", "3", "0.67"),
    ],
)
def test_percent_of_a_limit(spent: str, limit: str, percent: str) -> None:
    result = percent_of(Decimal(spent), Decimal(limit))
    assert isinstance(result, Decimal)
    assert str(result) == percent


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_percent_of_no_limit_is_zero_not_a_division_error(limit: str) -> None:
    assert percent_of(Decimal("10"), Decimal(limit)) == 0


@pytest.mark.parametrize(
    ("spent", "limit", "threshold", "expected"),
    [
        ("80.00", "100.00", 80, True),
        ("79.99", "100.00", 80, False),
        ("100.00", "100.00", 100, True),
        ("99.99", "100.00", 100, False),
        ("100.01", "100.00", 100, True),
        # 79.999... percent: rounding to 80.00 for display must not count as reaching 80.
        ("266.66", "333.33", 80, False),
        ("266.67", "333.33", 80, True),
        ("0.00", "100.00", 1, False),
        ("150.00", "100.00", 150, True),
    ],
)
def test_reaches_compares_exactly(spent: str, limit: str, threshold: int, expected: bool) -> None:
    assert reaches(Decimal(spent), Decimal(limit), threshold) is expected


def test_reaches_is_not_fooled_by_the_rounded_display_percent() -> None:
    spent, limit = Decimal("266.66"), Decimal("333.33")
    assert percent_of(spent, limit) == Decimal("80.00")  # what a user sees
    assert not reaches(spent, limit, 80)  # but it is 79.9979... percent
