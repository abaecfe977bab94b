"""The hot routes' answers, encoded by msgspec from the positions and rows, are byte for byte what
their documented Pydantic models give for the same values."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from uuid import uuid4

import pytest
from pydantic import BaseModel, Field, field_serializer

from actors.domain.ledger import BudgetPosition, BudgetStatus, EntryType, GoalPosition
from actors.domain.periods import Period
from actors.domain.rollover import Rollover
from adapters.transactions import Written
from serve import answers
from serve.schemas import BudgetOut, GoalOut, TransactionOut


def budget(limit: str, spent: str, starts_on: date | None) -> BudgetPosition:
    return BudgetPosition(
        id=uuid4(),
        category="food & drink",
        period=Period.MONTHLY,
        limit=Decimal(limit),
        alert_thresholds=(50, 80, 100),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        spent=Decimal(spent),
        remaining=Decimal(limit) - Decimal(spent),
        percent=Decimal("108.35"),
        status=BudgetStatus.EXCEEDED,
        rollover=Rollover.SURPLUS,
        starts_on=starts_on,
        carried=Decimal("-0.005"),
        available=Decimal("1E+2"),
    )


def goal(achieved_at: datetime | None, monthly_needed: Decimal | None) -> GoalPosition:
    return GoalPosition(
        id=uuid4(),
        name="Vélo «rouge»",
        target_amount=Decimal("900"),
        deadline=date(2027, 3, 1) if monthly_needed else None,
        saved=Decimal("125.5"),
        achieved_at=achieved_at,
        remaining=Decimal("774.50"),
        percent=Decimal("13.94"),
        monthly_needed=monthly_needed,
    )


def written(occurred_at: datetime, description: str | None) -> Written:
    now = datetime(2026, 11, 30, 15, 4, 5, 123456, tzinfo=UTC)
    return Written(
        id=uuid4(),
        amount=Decimal("1.255"),
        type=EntryType.EXPENSE.value,
        category="food",
        description=description,
        occurred_at=occurred_at,
        local_date=occurred_at.date(),
        goal_id=uuid4() if description else None,
        recurring_id=None,
        due_date=None,
        created_at=now,
        updated_at=now,
    )


CASES: list[tuple[object, type[BaseModel]]] = [
    (budget("100", "108.35", None), BudgetOut),
    (budget("0.1", "0", date(2026, 1, 1)), BudgetOut),
    (goal(None, Decimal("193.625")), GoalOut),
    (goal(datetime(2026, 11, 30, 9, 0, 0, 5, tzinfo=UTC), None), GoalOut),
    (
        written(datetime(2026, 11, 30, 9, 0, tzinfo=timezone(timedelta(hours=2))), 'naïve"q'),
        TransactionOut,
    ),
    (written(datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC), None), TransactionOut),
]


@pytest.mark.parametrize(("value", "model"), CASES)
def test_one_is_what_the_model_renders(value: object, model: type[BaseModel]) -> None:
    documented = model.model_validate(value, from_attributes=True).model_dump_json().encode()
    answer = answers.one(value, model, status_code=201)
    assert answer.body == documented
    assert answer.status_code == 201
    assert answer.headers["content-type"] == "application/json"


def test_many_is_the_list_the_model_renders() -> None:
    values = [value for value, model in CASES if model is BudgetOut]
    documented = (
        b"["
        + b",".join(
            BudgetOut.model_validate(value, from_attributes=True).model_dump_json().encode()
            for value in values
        )
        + b"]"
    )
    assert answers.many_encoded(values, BudgetOut) == documented
    assert answers.many_encoded([], GoalOut) == b"[]"


class _Aliased(BaseModel):
    amount: int = Field(alias="total")


class _Serialized(BaseModel):
    amount: int

    @field_serializer("amount")
    def _doubled(self, amount: int) -> int:
        return amount * 2


@pytest.mark.parametrize("model", [_Aliased, _Serialized])
def test_a_model_rendered_otherwise_than_by_its_fields_is_refused(model: type[BaseModel]) -> None:
    with pytest.raises(TypeError):
        answers.one(SimpleNamespace(amount=1), model)
