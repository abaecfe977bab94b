"""Notifications end to end: events through Kafka to the messaging actor, the couriers, and a
real SMTP server and a Twilio-compatible server on loopback."""

import json
from collections import Counter
from functools import partial
from uuid import UUID

import httpx
import ray

from actors.domain.events import Event, Topic
from actors.naming import MESSAGING, NAMESPACE
from adapters.config import Settings
from adapters.models import Delivery
from serve.system import RunningSystem
from tests.e2e.identity import signup_and_login, unique_email
from tests.e2e.notifications import deliveries, stage
from tests.eventually import eventually
from tests.kafka_reader import dead_letters_naming
from tests.kafka_writer import RawRecord, send_signed
from tests.smtp_server import RecordingSmtp
from tests.twilio_server import FakeTwilio
from tests.unit import notification_events as n


def _subjects(smtp: RecordingSmtp, email: str) -> Counter[str]:
    return Counter(str(received.message["Subject"]) for received in smtp.to(email))


async def _sent(event: Event, channels: int) -> bool:
    rows = await deliveries(event)
    return len(rows) == channels and all(row.state == "sent" for row in rows)


async def test_signup_sends_one_welcome_email(
    api: httpx.AsyncClient, db: Settings, smtp_server: RecordingSmtp
) -> None:
    account = await signup_and_login(api)
    await smtp_server.wait_for_count(account.email, 1)
    [welcome] = smtp_server.to(account.email)
    assert welcome.message["Subject"] == "Welcome to ledgerflow, Test User"
    assert welcome.sender == "alerts@ledgerflow.test"
    assert "Your account is ready" in welcome.body("plain")
    assert "<p>Hello Test User,</p>" in welcome.body("html")


async def test_a_budget_crossing_80_and_100_percent_sends_each_alert_once(
    api: httpx.AsyncClient,
    system: RunningSystem,
    db: Settings,
    smtp_server: RecordingSmtp,
    twilio_server: FakeTwilio,
) -> None:
    number = n.phone()
    account = await signup_and_login(api, phone=number)
    warning, exceeded = n.budget_warning(account.id), n.budget_exceeded(account.id)
    await stage(warning, exceeded)
    await smtp_server.wait_for_count(account.email, 3)  # welcome, warning, exceeded
    await twilio_server.wait_for_count(number, 1)

    # The same records again, as a replay would deliver them, then one more event behind them
    # on the user's partition: once it is handled, so are the replays.
    await send_signed(system.settings, warning, exceeded)
    behind = n.goal_achieved(account.id)
    await stage(behind)
    await eventually(partial(_sent, behind, 2))

    assert _subjects(smtp_server, account.email) == {
        "Welcome to ledgerflow, Test User": 1,
        "Budget warning: groceries, November": 1,
        "Budget exceeded: groceries, November": 1,
        "Goal reached: Lisbon trip": 1,
    }
    texts = [message["body"] for message in twilio_server.to(number)]
    assert len(texts) == 2 and "groceries budget for November exceeded" in texts[0]
    assert all(len(text) < 160 for text in texts)
    exceeded_mail = next(
        r for r in smtp_server.to(account.email) if "exceeded" in str(r.message["Subject"])
    )
    for figure in ("450.00", "512.30", "62.30", "1 November 2026 to 30 November 2026"):
        assert figure in exceeded_mail.body("plain") and figure in exceeded_mail.body("html")


async def test_real_spending_crossing_80_and_100_percent_alerts_once_by_email_and_sms(
    api: httpx.AsyncClient, db: Settings, smtp_server: RecordingSmtp, twilio_server: FakeTwilio
) -> None:
    number = n.phone()
    account = await signup_and_login(api, phone=number)
    budget = {"category": "groceries", "limit": "500.00", "period": "monthly"}
    created = await api.post("/api/budget", headers=account.auth, json=budget)
    assert created.status_code == 201, created.text
    for amount in ["300.00", "110.00", "50.00", "60.00", "25.50"]:  # 60%, 82%, 92%, 104%, 109%
        spent = await api.post(
            "/api/transaction",
            headers=account.auth,
            json={"amount": amount, "type": "expense", "category": "groceries"},
        )
        assert spent.status_code == 201, spent.text

    await smtp_server.wait_for_count(account.email, 3)  # the welcome, the warning, the excess
    await twilio_server.wait_for_count(number, 1)
    await eventually(partial(_all_sent, account.id, 4))
    subjects = sorted(_subjects(smtp_server, account.email).elements())
    assert [subject.split(",")[0] for subject in subjects] == [
        "Budget exceeded: groceries",
        "Budget warning: groceries",
        "Welcome to ledgerflow",
    ]
    [sms] = twilio_server.to(number)
    assert "spent 520.00 of 500.00, over by 20.00" in sms["body"]


async def _all_sent(user_id: UUID, count: int) -> bool:
    states = await Delivery.filter(user_id=user_id).values_list("state", flat=True)
    return len(states) == count and set(states) == {"sent"}


async def test_an_smtp_server_refusing_for_a_while_gets_the_message_once(
    api: httpx.AsyncClient, db: Settings, smtp_server: RecordingSmtp
) -> None:
    email = unique_email("refused")
    smtp_server.refuse_temporarily(email, 2)
    account = await signup_and_login(api, email=email)
    await smtp_server.wait_for_count(email, 1)
    [row] = await Delivery.filter(user_id=account.id)
    await eventually(partial(_row_state, row.id, "sent"))
    assert smtp_server.attempts[email.lower()] == 3
    assert len(smtp_server.to(email)) == 1


async def _row_state(delivery_id: int, state: str) -> bool:
    return (await Delivery.get(id=delivery_id)).state == state


async def test_twilio_answering_429_then_201_sends_one_sms(
    api: httpx.AsyncClient, db: Settings, twilio_server: FakeTwilio
) -> None:
    number = n.phone()
    account = await signup_and_login(api, phone=number)
    twilio_server.throttle(number, 1)
    goal = n.goal_achieved(account.id)
    await stage(goal)
    await twilio_server.wait_for_count(number, 1)
    await eventually(partial(_sent, goal, 2))
    assert twilio_server.requests[number] == 2
    assert len(twilio_server.to(number)) == 1


async def test_an_invalid_number_is_not_retried_and_is_dead_lettered(
    api: httpx.AsyncClient,
    system: RunningSystem,
    db: Settings,
    smtp_server: RecordingSmtp,
    twilio_server: FakeTwilio,
) -> None:
    number = n.phone()
    twilio_server.invalid(number)
    account = await signup_and_login(api, phone=number)
    exceeded = n.budget_exceeded(account.id)
    await stage(exceeded)

    assert system.settings.kafka_bootstrap
    [dead] = await dead_letters_naming(
        system.settings.kafka_bootstrap, Topic.BUDGET_EXCEEDED.dead_letter, [str(exceeded.id)], 1
    )
    message = json.loads(dead["value"])
    assert (message["kind"], message["channel"], message["recipient"]) == (
        "undeliverable",
        "sms",
        number,
    )
    assert "21211" in dead["reason"] and message["attempts"] == 1
    assert twilio_server.requests[number] == 1
    await smtp_server.wait_for(
        lambda: "Budget exceeded: groceries, November" in _subjects(smtp_server, account.email)
    )
    states = {row.channel: row.state for row in await deliveries(exceeded)}
    assert states["sms"] == "dead"


async def test_a_burst_of_alerts_is_cut_at_the_flood_limit(
    api: httpx.AsyncClient, db: Settings, smtp_server: RecordingSmtp, twilio_server: FakeTwilio
) -> None:
    number = n.phone()
    account = await signup_and_login(api, phone=number)
    burst = [n.budget_exceeded(account.id, f"category {i}") for i in range(5)]
    await stage(*burst)
    await smtp_server.wait_for_count(account.email, 6)  # the welcome and five alerts
    await twilio_server.wait_for_count(number, 3)
    rows = [row for event in burst for row in await deliveries(event) if row.channel == "sms"]
    assert Counter(row.state for row in rows)["suppressed"] == 2
    await eventually(partial(_all_sms_sent_but_two, burst))
    assert len(twilio_server.to(number)) == 3


async def _all_sms_sent_but_two(burst: list[Event]) -> bool:
    rows = [row for event in burst for row in await deliveries(event) if row.channel == "sms"]
    return Counter(row.state for row in rows) == {"sent": 3, "suppressed": 2}


async def test_changed_preferences_apply_to_the_next_event(
    api: httpx.AsyncClient, db: Settings, smtp_server: RecordingSmtp, twilio_server: FakeTwilio
) -> None:
    number = n.phone()
    account = await signup_and_login(api, phone=number)
    changed = await api.patch(
        "/api/user/me",
        headers=account.auth,
        json={"notifications": {"budget_warning": ["sms"], "transaction_created": ["email"]}},
    )
    assert changed.status_code == 200, changed.text
    warning, receipt = n.budget_warning(account.id), n.transaction_created(account.id)
    await stage(warning, receipt)
    await eventually(partial(_sent, receipt, 1))
    await eventually(partial(_sent, warning, 1))
    assert [row.channel for row in await deliveries(warning)] == ["sms"]
    assert "Expense recorded: 12.50, groceries" in _subjects(smtp_server, account.email)
    [sms] = twilio_server.to(number)
    assert "81% of your groceries budget for November is spent" in sms["body"]


async def test_an_unreadable_record_is_dead_lettered_and_the_stream_goes_on(
    api: httpx.AsyncClient, system: RunningSystem, db: Settings, smtp_server: RecordingSmtp
) -> None:
    account = await signup_and_login(api)
    marker = unique_email("garbage")
    broken = n.goal_achieved(account.id)
    broken = Event(broken.type, broken.user_id, broken.occurred_at, {"name": marker}, broken.id)
    garbage = RawRecord(Topic.GOAL_ACHIEVED, broken.key, f"not json {marker}".encode())
    await send_signed(system.settings, garbage, broken)
    after = n.goal_achieved(account.id, "after the garbage")
    await stage(after)
    await smtp_server.wait_for(
        lambda: "Goal reached: after the garbage" in _subjects(smtp_server, account.email)
    )

    garbage, unreadable_payload = await dead_letters_naming(
        system.settings.kafka_bootstrap, Topic.GOAL_ACHIEVED.dead_letter, [marker], 2
    )
    assert garbage["value"].startswith("not json") and garbage["topic"] == "goal_achieved"
    assert "missing required field `goal_id`" in unreadable_payload["reason"]


async def test_the_messaging_actor_killed_mid_stream_loses_nothing_and_repeats_nothing(
    api: httpx.AsyncClient, db: Settings, smtp_server: RecordingSmtp
) -> None:
    accounts = [await signup_and_login(api) for _ in range(4)]  # no phone: e-mail only
    rounds = [[n.goal_achieved(a.id, f"goal {i}") for a in accounts] for i in range(8)]
    for flowing in rounds[:2]:
        await stage(*flowing)
        for event in flowing:
            await eventually(partial(_sent, event, 1))
    # Killed with the third round in flight, anywhere between the outbox and the commit of the
    # consumer's offsets; the rest is produced while Ray restarts it.
    await stage(*rounds[2])
    messaging = ray.get_actor(MESSAGING, namespace=NAMESPACE)
    ray.kill(messaging, no_restart=False)
    for later in rounds[3:]:
        await stage(*later)

    for account in accounts:
        await smtp_server.wait_for_count(account.email, 9)  # the welcome and eight goals
    for event in (event for events in rounds for event in events):
        await eventually(partial(_sent, event, 1))
    for account in accounts:
        assert _subjects(smtp_server, account.email) == {"Welcome to ledgerflow, Test User": 1} | {
            f"Goal reached: goal {i}": 1 for i in range(8)
        }
    await messaging.ready.remote()  # the restarted actor is the same named actor
