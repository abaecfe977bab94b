"""Money: Decimal amounts with two places, the same as integer cents (what a ledger keeps in
memory), and percentages of a limit."""

from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
LARGEST = Decimal("999999999999.99")
LARGEST_TOTAL = LARGEST * 1_000_000

Amount = TypeVar("Amount", int, Decimal)  # a Decimal amount, or integer cents


def cents(amount: Decimal) -> Decimal:
    """Two places, rounding half up as people do."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def check_amount(amount: Decimal) -> Decimal:
    """A positive amount of at most two decimal places; raises ValueError otherwise."""
    if not amount.is_finite():
        raise ValueError("must be a finite number")
    if amount <= 0:
        raise ValueError("must be greater than zero")
    if amount > LARGEST:  # before quantize, which overflows on huge values
        raise ValueError(f"must be at most {LARGEST}")
    if amount != amount.quantize(CENT):
        raise ValueError("must have at most two decimal places")
    return cents(amount)


def check_total(total: Decimal) -> Decimal:
    """A sum of amounts (of either sign) that every rule can compute with: finite, of at most
    two places, and far from where Decimal's 28 digits would round; raises ValueError."""
    if not total.is_finite() or abs(total) > LARGEST_TOTAL:
        raise ValueError(f"a total must be a finite number of at most {LARGEST_TOTAL}")
    if total != total.quantize(CENT):
        raise ValueError("a total must have at most two decimal places")
    return total


def to_cents(amount: Decimal) -> int:
    """The amount in whole cents, exactly: ValueError for an amount with a fraction of a cent,
    which every edge refuses already (check_amount, check_total)."""
    scaled = amount.scaleb(2)
    whole = int(scaled)
    if whole != scaled:
        raise ValueError(f"{amount} has a fraction of a cent")
    return whole


def from_cents(amount: int) -> Decimal:
    """Whole cents as a Decimal amount with two places."""
    return Decimal(amount).scaleb(-2)


def percent_of(spent: Decimal, limit: Decimal) -> Decimal:
    return cents(spent * 100 / limit) if limit > 0 else ZERO


def reaches(spent: Amount, limit: Amount, threshold_percent: int) -> bool:
    """Exact comparison, no rounding: 79.999 percent has not reached 80. Both amounts in the
    same unit: Decimal or integer cents."""
    return spent * 100 >= limit * threshold_percent
