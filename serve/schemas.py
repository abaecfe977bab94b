"""Request and response bodies of the HTTP API."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from actors.domain.preferences import Channel

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Password = Annotated[str, Field(min_length=8, max_length=256)]
# E.164: what Twilio accepts as a destination.
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+[1-9]\d{6,14}$")]
NotifiableEvent = Literal[
    "user_registered", "transaction_created", "budget_warning", "budget_exceeded", "goal_achieved"
]


def _known_timezone(name: str) -> str:
    if name not in available_timezones():
        raise ValueError(f"unknown IANA time zone {name!r}")
    ZoneInfo(name)
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_timezone)]


class SignupRequest(BaseModel):
    name: Name
    email: EmailStr
    password: Password
    phone: Phone | None = None


class LoginRequest(BaseModel):
    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class RefreshRequest(BaseModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=256)]


class ProfileChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    phone: Phone | None = None
    timezone: TimeZoneName | None = None
    notifications: dict[NotifiableEvent, list[Channel]] | None = None


class UserView(BaseModel):
    id: UUID
    name: str
    email: str
    phone: str | None
    timezone: str
    notifications: dict[str, list[str]]
    created_at: datetime


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
