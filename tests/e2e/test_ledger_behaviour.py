"""What a user sees of the ledger: backdating, edits across periods, time zones, listing, and a
malformed message that goes to its dead-letter topic while the shard carries on."""

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import httpx

from actors.domain.events import Topic
from serve.system import RunningSystem
from tests.e2e.identity import Account, create_budget, signup_and_login, spend
from tests.kafka_reader import dead_letters_naming, read_until
from tests.kafka_writer import RawRecord, send_signed


def _month_ago(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=15)


async def _budget(api: httpx.AsyncClient, account: Account, budget_id: str, day: date) -> dict:
    response = await api.get(
        f"/api/budget/{budget_id}", headers=account.auth, params={"period": day.isoformat()}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_backdating_and_edits_move_money_between_periods_and_categories(
    api: httpx.AsyncClient,
) -> None:
    account = await signup_and_login(api)
    food = await create_budget(api, account, "food", "100", "monthly")
    fun = await create_budget(api, account, "fun", "100", "monthly")
    today = datetime.now(UTC).date()
    last_month = _month_ago(today)
    at_noon = datetime.combine(last_month, datetime.min.time(), UTC) + timedelta(hours=12)

    backdated = await spend(api, account, "30.00", occurred_at=at_noon.isoformat())
    assert (await _budget(api, account, food, last_month))["spent"] == "30.00"
    assert (await _budget(api, account, food, today))["spent"] == "0.00"

    await api.patch(
        f"/api/transaction/{backdated}",
        headers=account.auth,
        json={"occurred_at": datetime.now(UTC).isoformat(), "category": "fun"},
    )
    assert (await _budget(api, account, food, last_month))["spent"] == "0.00"
    assert (await _budget(api, account, fun, today))["spent"] == "30.00"

    await api.delete(f"/api/transaction/{backdated}", headers=account.auth)
    assert (await _budget(api, account, fun, today))["spent"] == "0.00"


async def test_periods_follow_the_users_time_zone(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    await api.patch("/api/user/me", headers=account.auth, json={"timezone": "Pacific/Auckland"})
    budget = await create_budget(api, account, "food", "100", "monthly")
    # 1 March 2026, 11:00 UTC is already the evening of 1 March in Auckland; 28 February, 12:00
    # UTC is 1 March 01:00 there: both count in Auckland's March.
    await spend(api, account, "10.00", occurred_at="2026-03-01T11:00:00+00:00")
    await spend(api, account, "5.00", occurred_at="2026-02-28T12:00:00+00:00")
    await spend(api, account, "1.00", occurred_at="2026-02-28T10:00:00+00:00")
    march = await _budget(api, account, budget, date(2026, 3, 10))
    assert (march["period_start"], march["period_end"], march["spent"]) == (
        "2026-03-01",
        "2026-03-31",
        "15.00",
    )
    assert (await _budget(api, account, budget, date(2026, 2, 10)))["spent"] == "1.00"


async def test_deleting_an_expense_rearms_the_alert(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    account = await signup_and_login(api)
    await create_budget(api, account, "food", "100", "weekly")
    big = await spend(api, account, "85.00")
    await spend(api, account, "2.00")  # still over 80: no second warning
    await api.delete(f"/api/transaction/{big}", headers=account.auth)  # back under: re-armed
    await spend(api, account, "90.00")  # over 80 again: a warning again
    [budget] = (await api.get("/api/budget", headers=account.auth)).json()
    assert budget["status"] == "warning"
    assert system.settings.kafka_bootstrap

    def mine(events: list) -> list:
        return [e for e in events if e.user_id == account.id]

    warnings = mine(
        await read_until(
            system.settings.kafka_bootstrap,
            Topic.BUDGET_WARNING,
            lambda es: len(mine(es)) >= 2,
        )
    )
    assert [w.payload["spent"] for w in warnings] == ["85.00", "92.00"]


async def test_listing_filters_and_pages_newest_first(api: httpx.AsyncClient) -> None:
    account = await signup_and_login(api)
    base = datetime(2026, 10, 1, 12, tzinfo=UTC)
    for day in range(7):
        await spend(
            api,
            account,
            f"{day + 1}.00",
            category="food" if day % 2 else "rent",
            occurred_at=(base + timedelta(days=day)).isoformat(),
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/api/transaction", headers=account.auth, params=params)).json()
        seen += [t["amount"] for t in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == ["7.00", "6.00", "5.00", "4.00", "3.00", "2.00", "1.00"]
    filtered = await api.get(
        "/api/transaction",
        headers=account.auth,
        params={"category": "Food", "from": "2026-10-02", "to": "2026-10-05", "type": "expense"},
    )
    assert [t["amount"] for t in filtered.json()["items"]] == ["4.00", "2.00"]


async def test_a_malformed_message_goes_to_the_dead_letter_topic_and_the_shard_carries_on(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    account = await signup_and_login(api)
    await create_budget(api, account, "food", "100", "monthly")
    assert system.settings.kafka_bootstrap
    marker = f"not an event {uuid4()}"
    # On the user's own partition, ahead of the user's next event; signed, so that it is the
    # value that is refused.
    malformed = RawRecord(Topic.TRANSACTION_CREATED, str(account.id).encode(), marker.encode())
    await send_signed(system.settings, malformed)
    await spend(api, account, "20.00")
    [budget] = (await api.get("/api/budget", headers=account.auth)).json()
    assert budget["spent"] == "20.00"

    [dead] = await dead_letters_naming(
        system.settings.kafka_bootstrap, Topic.TRANSACTION_CREATED.dead_letter, [marker], 1
    )
    assert dead["topic"] == Topic.TRANSACTION_CREATED and "DecodeError" in dead["reason"]
