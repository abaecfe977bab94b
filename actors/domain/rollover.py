"""Budget rollover: what earlier periods since a budget's start carry into the current one."""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum

from actors.domain.money import ZERO
from actors.domain.periods import Period, period_starts


class Rollover(StrEnum):
    NONE = "none"
    SURPLUS = "surplus"  # what is left unspent carries on; overspending is forgiven
    SURPLUS_AND_DEFICIT = "surplus_and_deficit"  # overspending carries on too


def carried(
    rollover: Rollover,
    period: Period,
    limit: Decimal,
    spent: Mapping[date, Decimal],
    starts_on: date,
    day: date,
) -> Decimal:
    """What the periods from the one holding `starts_on` up to the one holding `day` carry
    into it. Each period has its limit plus what it was carried; what it leaves (negative when
    it overspent) carries on, cut at zero for `surplus`. Periods after `day` carry nothing
    into it, and a budget started after `day` carries nothing."""
    if rollover is Rollover.NONE:
        return ZERO
    carry = ZERO
    for start in period_starts(period, starts_on, day):
        carry += limit - spent.get(start, ZERO)
        if rollover is Rollover.SURPLUS:
            carry = max(carry, ZERO)
    return carry
