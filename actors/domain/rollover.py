"""Budget rollover: what earlier periods since a budget's start carry into the current one."""

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from actors.domain.money import Amount
from actors.domain.periods import Period, period_starts


class Rollover(StrEnum):
    NONE = "none"
    SURPLUS = "surplus"  # what is left unspent carries on; overspending is forgiven
    SURPLUS_AND_DEFICIT = "surplus_and_deficit"  # overspending carries on too


def carried(
    rollover: Rollover,
    period: Period,
    limit: Amount,
    spent: Mapping[date, Amount],
    starts_on: date,
    day: date,
) -> Amount:
    """What the periods from the one holding `starts_on` up to the one holding `day` carry
    into it. Each period has its limit plus what it was carried; what it leaves (negative when
    it overspent) carries on, cut at zero for `surplus`. Periods after `day` carry nothing into
    it, and a budget started after `day` carries nothing. Amounts in Decimal or in integer
    cents, the answer in the same unit."""
    zero = limit * 0
    if rollover is Rollover.NONE:
        return zero
    carry = zero
    for start in period_starts(period, starts_on, day):
        carry += limit - spent.get(start, zero)
        if rollover is Rollover.SURPLUS:
            carry = max(carry, zero)
    return carry
