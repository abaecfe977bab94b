"""The HTTP API's bodies, named one way (`XIn` a body that creates or sends, `XChanges` a
PATCH body, `XOut` a response), made of the field types in serve/fields.py. A body with a field
it does not know is refused, whatever its method."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from actors.domain.ledger import DEFAULT_THRESHOLDS, BudgetStatus, EntryType
from actors.domain.periods import Period
from actors.domain.preferences import Channel, NotifiableTopic
from actors.domain.roles import Role
from actors.domain.schedule import Cadence
from serve.fields import (
    Amount,
    Category,
    Day,
    Description,
    EmailText,
    Instant,
    Money,
    Name,
    Password,
    Phone,
    Thresholds,
    TimeZoneName,
)


class Body(BaseModel):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


# -- users and tokens


class UserIn(Body):
    name: Name
    email: EmailStr
    password: Password
    phone: Phone | None = None


class CredentialsIn(Body):
    email: EmailText
    password: Annotated[str, Field(min_length=1, max_length=256)]


class RefreshTokenIn(Body):
    refresh_token: Annotated[str, Field(min_length=1, max_length=256)]


class UserChanges(Body):
    name: Name | None = None
    phone: Phone | None = None
    timezone: TimeZoneName | None = None
    notifications: dict[NotifiableTopic, list[Channel]] | None = None


class UserOut(BaseModel):
    id: UUID
    name: str
    email: str
    phone: str | None
    timezone: str
    notifications: dict[str, list[str]]
    created_at: datetime


class TokenPairOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


# -- transactions


class TransactionIn(Body):
    model_config = ConfigDict(populate_by_name=True)

    amount: Amount
    type: EntryType
    category: Category
    description: Description | None = None
    occurred_at: Instant | None = None
    goal_id: UUID | None = None
    user_id: UUID | None = Field(None, alias="userId", description="if given, the token's user")


class TransactionChanges(Body):
    amount: Amount | None = None
    type: EntryType | None = None
    category: Category | None = None
    description: Description | None = None
    occurred_at: Instant | None = None
    goal_id: UUID | None = None


class TransactionOut(BaseModel):
    id: UUID
    amount: Money
    type: EntryType
    category: str
    description: str | None
    occurred_at: datetime
    goal_id: UUID | None
    recurring_id: UUID | None = Field(None, description="the recurring series it occurred for")
    created_at: datetime
    updated_at: datetime


class TransactionPageOut(BaseModel):
    items: list[TransactionOut]
    next_cursor: str | None


# -- budgets


class BudgetIn(Body):
    category: Category
    limit: Amount
    period: Period
    alert_thresholds: Thresholds = Field(default_factory=lambda: list(DEFAULT_THRESHOLDS))


class BudgetChanges(Body):
    category: Category | None = None
    limit: Amount | None = None
    period: Period | None = None
    alert_thresholds: Thresholds | None = None


class BudgetOut(BaseModel):
    id: UUID
    category: str
    period: Period
    limit: Money
    alert_thresholds: list[int]
    period_start: date
    period_end: date
    spent: Money
    remaining: Money
    percent: Decimal = Field(description="of the limit spent, two places")
    status: BudgetStatus


# -- goals


class GoalIn(Body):
    name: Name
    target_amount: Amount
    deadline: Day | None = None


class GoalChanges(Body):
    name: Name | None = None
    target_amount: Amount | None = None
    deadline: Day | None = None


class ContributionIn(Body):
    amount: Amount


class GoalOut(BaseModel):
    id: UUID
    name: str
    target_amount: Money
    deadline: date | None
    saved: Money
    remaining: Money
    percent: Decimal = Field(description="of the target saved, two places")
    achieved_at: datetime | None
    monthly_needed: Money | None = Field(description="to save each month to meet the deadline")


# -- recurring transactions


class RecurringIn(Body):
    amount: Amount
    type: EntryType
    category: Category
    description: Description | None = None
    cadence: Cadence
    start: Day
    end: Day | None = None
    goal_id: UUID | None = None


class RecurringChanges(Body):
    amount: Amount | None = None
    type: EntryType | None = None
    category: Category | None = None
    description: Description | None = None
    cadence: Cadence | None = None
    start: Day | None = None
    end: Day | None = None
    goal_id: UUID | None = None


class RecurringOut(BaseModel):
    id: UUID
    amount: Money
    type: EntryType
    category: str
    description: str | None
    cadence: Cadence
    start: date
    end: date | None
    goal_id: UUID | None
    next_due: date | None = Field(description="the next due date; null once the series ended")
    created_at: datetime
    updated_at: datetime


# -- operators (the admin API)


class AccountOut(BaseModel):
    """A user as an admin sees them: never a password hash."""

    id: UUID
    name: str
    email: str
    phone: str | None
    role: Role
    locked_at: datetime | None = Field(description="when an admin locked it; null: not locked")
    created_at: datetime


class AccountPageOut(BaseModel):
    items: list[AccountOut]
    next_cursor: str | None


class DeadLetterOut(BaseModel):
    id: int
    topic: str = Field(description="the topic of the record, or the event type of the message")
    kind: Literal["undeliverable", "unreadable"] = Field(
        description="a message a courier gave up on, or a record a consumer could not process"
    )
    reason: str
    key: str | None
    value: str = Field(description="the record, or the undeliverable message's summary")
    delivery_id: int | None
    created_at: datetime
    replayed_at: datetime | None


class DeadLetterPageOut(BaseModel):
    items: list[DeadLetterOut]
    next_cursor: str | None


class AuditEntryOut(BaseModel):
    id: int
    actor: str = Field(description="the admin's e-mail, or cli: and the operator at a shell")
    actor_id: UUID | None
    action: str
    target: str
    created_at: datetime


class AuditPageOut(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None


class PartStateOut(BaseModel):
    name: str
    kind: Literal["server", "deployment", "actor"]
    state: str = Field(description="ok, ready or HEALTHY when well; otherwise what is wrong")
    detail: dict[str, Any] = Field(default_factory=dict)


class ConsumerLagOut(BaseModel):
    consumer: str
    partitions: list[int]
    lag: int = Field(description="records on the broker that it has not consumed yet")


class SystemOut(BaseModel):
    parts: list[PartStateOut]
    consumers: list[ConsumerLagOut]
    outbox_backlog: int = Field(description="events committed and not yet published")
