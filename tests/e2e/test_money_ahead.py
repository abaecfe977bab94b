"""Rollover, forecasts and the early warning over HTTP, with the warning read from Kafka and its
e-mail from the test SMTP server. Users are in UTC, the default, so `today` is the UTC date."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID

import httpx

from actors.domain.events import Event, Topic
from actors.domain.periods import Period, days_in, period_start
from adapters.config import Settings
from adapters.models import Delivery
from serve.system import RunningSystem
from tests.e2e.identity import Account, signup_and_login, spend
from tests.eventually import eventually
from tests.kafka_reader import read_until
from tests.smtp_server import RecordingSmtp


def _months_before(today: date, count: int) -> date:
    """The first day of the month `count` months before today's."""
    start = period_start(Period.MONTHLY, today)
    for _ in range(count):
        start = period_start(Period.MONTHLY, start - timedelta(days=1))
    return start


def _noon(day: date) -> str:
    return datetime.combine(day, datetime.min.time(), UTC).replace(hour=12).isoformat()


async def _budget(api: httpx.AsyncClient, account: Account, **body: Any) -> str:
    response = await api.post("/api/budget", headers=account.auth, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _view(api: httpx.AsyncClient, account: Account, budget_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/budget/{budget_id}", headers=account.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _forecast(api: httpx.AsyncClient, account: Account, budget_id: str) -> dict[str, Any]:
    response = await api.get(f"/api/budget/{budget_id}/forecast", headers=account.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _history(api: httpx.AsyncClient, account: Account, amount: str, months: int) -> None:
    """One expense of `amount` on the 10th of each of the `months` months before this one."""
    today = datetime.now(UTC).date()
    for count in range(1, months + 1):
        day = _months_before(today, count) + timedelta(days=9)
        await spend(api, account, amount, occurred_at=_noon(day))


async def test_rollover_follows_a_backdated_edit(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    today = datetime.now(UTC).date()
    two_months_ago = _months_before(today, 2)
    food = await _budget(
        api,
        account,
        category="food",
        limit="100.00",
        period="monthly",
        rollover="surplus_and_deficit",
        starts_on=two_months_ago.isoformat(),
    )
    view = await _view(api, account, food)
    assert (view["rollover"], view["starts_on"]) == ("surplus_and_deficit", str(two_months_ago))
    assert (view["carried"], view["available"]) == ("200.00", "300.00")

    last_month = _months_before(today, 1) + timedelta(days=14)
    backdated = await spend(api, account, "30.00", occurred_at=_noon(last_month))
    view = await _view(api, account, food)
    assert (view["carried"], view["available"], view["remaining"]) == ("170.00", "270.00", "270.00")

    edit = await api.patch(
        f"/api/transaction/{backdated}", headers=account.auth, json={"amount": "250.00"}
    )
    assert edit.status_code == 200, edit.text
    view = await _view(api, account, food)
    assert (view["carried"], view["available"]) == ("-50.00", "50.00")

    # Moved into this month: the earlier months carry their whole limits again.
    moved = await api.patch(
        f"/api/transaction/{backdated}",
        headers=account.auth,
        json={"occurred_at": datetime.now(UTC).isoformat()},
    )
    assert moved.status_code == 200, moved.text
    view = await _view(api, account, food)
    assert (view["carried"], view["available"], view["spent"]) == ("200.00", "300.00", "250.00")
    assert (view["percent"], view["status"]) == ("83.33", "warning")

    # Rollover turned off: nothing carried, and this month's 250 is over its 100.
    off = await api.patch(f"/api/budget/{food}", headers=account.auth, json={"rollover": "none"})
    assert off.status_code == 200, off.text
    assert (off.json()["carried"], off.json()["available"], off.json()["status"]) == (
        "0.00",
        "100.00",
        "exceeded",
    )

    # Others' budgets are not found, and a bad rollover is refused naming the field.
    other = await signup_and_login(api)
    assert (await api.get(f"/api/budget/{food}/forecast", headers=other.auth)).status_code == 404
    bad = await api.post(
        "/api/budget",
        headers=account.auth,
        json={"category": "fun", "limit": "1", "period": "monthly", "rollover": "always"},
    )
    assert bad.status_code == 422 and "rollover" in bad.text


async def test_a_steady_history_forecasts_within_a_tight_band(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    await _history(api, account, "120.00", months=6)
    # This month so far on the same pace: 120 a month, with today half spent.
    today = datetime.now(UTC).date()
    elapsed = Decimal((today - period_start(Period.MONTHLY, today)).days) + Decimal("0.5")
    pace = (Decimal(120) * elapsed / days_in(Period.MONTHLY, today)).quantize(Decimal("0.01"))
    await spend(api, account, str(pace))
    food = await _budget(api, account, category="food", limit="200.00", period="monthly")

    forecast = await _forecast(api, account, food)
    assert forecast["method"] == "recent"
    assert abs(Decimal(forecast["projected_spent"]) - 120) <= Decimal("0.01")
    assert Decimal(forecast["low"]) <= Decimal(forecast["projected_spent"])
    assert Decimal(forecast["projected_spent"]) <= Decimal(forecast["high"])
    assert Decimal(forecast["high"]) - Decimal(forecast["low"]) <= Decimal("1.00")
    assert (forecast["projected_status"], forecast["available"], forecast["spent"]) == (
        "ok",
        "200.00",
        str(pace),
    )
    assert forecast["crossing_day"] is None

    listed = await api.get("/api/forecast", headers=account.auth)
    assert listed.status_code == 200, listed.text
    assert [f["budget_id"] for f in listed.json()] == [food]


async def _forecast_warnings(system: RunningSystem, user_id: UUID) -> list[Event]:
    assert system.settings.kafka_bootstrap

    def mine(events: list[Event]) -> list[Event]:
        return [e for e in events if e.user_id == user_id]

    found = await read_until(
        system.settings.kafka_bootstrap,
        Topic.BUDGET_FORECAST_EXCEEDED,
        lambda events: len(mine(events)) >= 1,
    )
    return mine(found)


async def _all_sent(user_id: UUID, count: int) -> bool:
    states = await Delivery.filter(user_id=user_id).values_list("state", flat=True)
    return len(states) == count and all(state == "sent" for state in states)


async def test_the_early_warning_is_raised_once_and_emailed_once(
    api: httpx.AsyncClient, system: RunningSystem, db: Settings, smtp_server: RecordingSmtp
) -> None:
    account = await signup_and_login(api)
    await _history(api, account, "6000.00", months=6)
    food = await _budget(api, account, category="food", limit="10000.00", period="monthly")
    assert (await _forecast(api, account, food))["projected_status"] != "exceeded"
    # 9,990 of 10,000 spent, and 6,000 a month usual: whatever the day, the half day left
    # is expected to bring the month over its limit.
    await spend(api, account, "9990.00")
    forecast = await _forecast(api, account, food)
    assert forecast["projected_status"] == "exceeded"
    assert Decimal(forecast["projected_spent"]) > 10000
    await spend(api, account, "5.00")  # still below the limit, still forecast above it
    assert (await _view(api, account, food))["spent"] == "9995.00"

    # Welcome, the 80% warning and the forecast: three e-mails, each sent once.
    await eventually(partial(_all_sent, account.id, 3))
    [warning] = await _forecast_warnings(system, account.id)
    assert warning.payload["budget_id"] == food
    assert warning.payload["spent"] == "9990.00"
    assert warning.payload["crossing_day"] >= str(datetime.now(UTC).date() - timedelta(days=1))
    subjects = Counter(str(r.message["Subject"]) for r in smtp_server.to(account.email))
    foreseen = [s for s in subjects if s.startswith("Budget forecast: food")]
    assert [subjects[s] for s in foreseen] == [1], subjects
    [mail] = [r for r in smtp_server.to(account.email) if str(r.message["Subject"]) in foreseen]
    projected = f"{Decimal(warning.payload['projected_spent']):,.2f}"
    assert projected in mail.body("plain") and projected in mail.body("html")


async def test_a_recurring_expense_still_due_counts_exactly(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    today = datetime.now(UTC).date()
    home = await _budget(api, account, category="home", limit="5000.00", period="yearly")
    series = {"amount": "10.00", "type": "expense", "category": "home", "cadence": "weekly"}
    created = await api.post(
        "/api/recurring", headers=account.auth, json=series | {"start": today.isoformat()}
    )
    assert created.status_code == 201, created.text
    # Today's occurrence is written at once; the weeks after it, to the end of the year, are due.
    later = (today.replace(month=12, day=31) - today).days // 7
    forecast = await _forecast(api, account, home)
    assert forecast["spent"] == "10.00"
    assert Decimal(forecast["projected_spent"]) == 10 + 10 * later
    assert forecast["low"] == forecast["projected_spent"]
