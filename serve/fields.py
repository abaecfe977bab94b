"""The field types every body and query parameter of the API is made of: text, days and instants,
amounts, phones, time zones, thresholds and passwords. Each refuses what it cannot hold with a
message that says what is wrong, so that nothing malformed reaches the database, the ledger or
a message to a user."""

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, PlainSerializer
from pydantic_core import PydanticCustomError

from actors.domain.money import check_amount
from actors.domain.periods import FIRST_DAY, LAST_DAY

# -- text

# Control characters (NUL, CR, LF, TAB, DEL, C1...), lone surrogates, and the Unicode line and
# paragraph separators: each breaks a header, a log line, a database string or an SMS.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def _text(max_length: int, *, lower: bool = False) -> Callable[[str], str]:
    def check(value: str) -> str:
        text = unicodedata.normalize("NFC", value)
        for position, character in enumerate(text):
            if unicodedata.category(character) in _REFUSED_CATEGORIES:
                raise PydanticCustomError(
                    "text_control",
                    "must not contain control characters or line breaks"
                    " (U+{code} at position {position})",
                    {"code": f"{ord(character):04X}", "position": position},
                )
        text = text.strip()
        if lower:
            text = unicodedata.normalize("NFC", text.lower())
        if not text:
            raise PydanticCustomError("text_blank", "must not be blank")
        # After normalising and lower-casing, which can lengthen it ("İ" lower-cased is two).
        if len(text) > max_length:
            raise PydanticCustomError(
                "text_too_long",
                "must be at most {max_length} characters",
                {"max_length": max_length},
            )
        return text

    return check


def _text_type_schema(max_length: int) -> dict[str, Any]:
    return {"json_schema_extra": {"minLength": 1, "maxLength": max_length}}


# One line of text: NFC, trimmed, not blank, no control characters, at most so many characters.
Name = Annotated[str, Field(**_text_type_schema(100)), AfterValidator(_text(100))]
Category = Annotated[str, Field(**_text_type_schema(64)), AfterValidator(_text(64, lower=True))]
Description = Annotated[str, Field(**_text_type_schema(500)), AfterValidator(_text(500))]
EmailText = Annotated[str, Field(**_text_type_schema(254)), AfterValidator(_text(254))]

# -- days and instants


def _day_in_range(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError(
            "date_range",
            "must be a day from {first} to {last}",
            {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return day


def _instant_in_range(instant: datetime) -> datetime:
    # The day on the instant's own clock: its offset is under a day, so the instant is in the
    # range give or take a day, in UTC and in every time zone, far from Python's own ends.
    _day_in_range(instant.date())
    return instant


Day = Annotated[date, AfterValidator(_day_in_range)]
Instant = Annotated[AwareDatetime, AfterValidator(_instant_in_range)]

# -- money

_ASCII_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def _ascii_decimal(value: object) -> object:
    # Decimal() itself takes "1_000", Arabic-Indic digits and " 5 ": a string must be plain.
    if isinstance(value, str) and not _ASCII_DECIMAL.fullmatch(value):
        raise PydanticCustomError(
            "decimal_text", "must be a decimal number in ASCII digits, such as 12.50"
        )
    return value


# Accepted as a JSON number or a decimal string; answered as a string with two places.
Amount = Annotated[
    Decimal,
    BeforeValidator(_ascii_decimal),
    Field(allow_inf_nan=False),
    AfterValidator(check_amount),
]


def two_places(value: Decimal) -> str:
    return f"{value:.2f}"


TWO_PLACES = PlainSerializer(two_places, return_type=str)
Money = Annotated[Decimal, TWO_PLACES]

# -- phones and time zones

# E.164: what Twilio accepts as a destination.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def _phone(value: str) -> str:
    number = value.strip()
    if not _E164.fullmatch(number):
        raise PydanticCustomError(
            "phone", "must be an E.164 number: + and 7 to 15 ASCII digits, such as +15551234567"
        )
    return number


Phone = Annotated[str, AfterValidator(_phone)]


@cache
def _iana_zones() -> frozenset[str]:
    """Every zone and link name of the IANA time zone database, from the `tzdata` package.
    Names on a system's zoneinfo path that are not IANA's ("localtime", "posixrules") are not
    in it; IANA's "Factory" is a placeholder for "zone not yet set", not a place."""
    names = resources.files("tzdata").joinpath("zones").read_text().split()
    return frozenset(names) - {"Factory"}


def _time_zone(name: str) -> str:
    if name not in _iana_zones():
        raise PydanticCustomError(
            "time_zone",
            "must be an IANA time zone such as Europe/Berlin; {name} is not one",
            {"name": name[:64]},
        )
    ZoneInfo(name)
    return name


TimeZoneName = Annotated[str, AfterValidator(_time_zone)]

# -- budget thresholds


def _distinct(values: list[int]) -> list[int]:
    if len(set(values)) != len(values):
        raise PydanticCustomError("thresholds_distinct", "thresholds must be distinct")
    return sorted(values)


# Strict: true and "80" are not percentages.
Thresholds = Annotated[
    list[Annotated[int, Field(strict=True, ge=1, le=1000)]],
    Field(min_length=1, max_length=10),
    AfterValidator(_distinct),
]

# -- passwords

# Length only here; whether it is guessable is the user service's check (zxcvbn, CPU work).
Password = Annotated[str, Field(min_length=8, max_length=256)]
