"""What an operator watches, end to end: the metrics endpoint that Prometheus scrapes moves after a
write, the Grafana dashboard names only metrics the running system exports, a lock and a dead
letter each leave their log line (and no e-mail address), and /docs works without internet."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import ray
from prometheus_client.parser import text_string_to_metric_families
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from adapters.config import Settings
from serve.system import RunningSystem
from tests.e2e.admins import admin_account
from tests.e2e.chromium import until
from tests.e2e.identity import create_budget, signup_and_login, spend
from tests.eventually import eventually
from tests.kafka_writer import RawRecord, send_signed

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "adapters" / "observability" / "grafana-dashboard.json"
METRIC_NAME = re.compile(r"\bray_[a-z0-9_]+\b")

Samples = dict[str, float]  # 'name{label="value",...}' -> value, for the labels asked


async def _scrape(system: RunningSystem) -> str:
    async with httpx.AsyncClient() as client:
        pages = [(await client.get(url)).text for url in system.metrics_urls]
    return "\n".join(pages)


def _exported(text: str) -> set[str]:
    """Every sample name on the page (a histogram's _bucket, _sum and _count each)."""
    return {
        sample.name for family in text_string_to_metric_families(text) for sample in family.samples
    }


def _total(text: str, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def _ray_log_lines(needle: str) -> Iterator[str]:
    """The lines holding `needle` in every log file of this session's Ray (actors, replicas)."""
    context = ray.get_runtime_context()
    logs = Path(context.get_temp_dir()) / context.get_session_name() / "logs"
    for path in logs.rglob("*"):
        if path.is_file() and path.suffix in (".log", ".err", ".out"):
            with path.open(errors="replace") as lines:
                yield from (line for line in lines if needle in line)


@pytest.mark.e2e
async def test_the_metrics_endpoint_shows_the_counters_moving_after_a_write(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    assert system.metrics_urls, "up found no metrics endpoint"
    before = await _scrape(system)
    account = await signup_and_login(api)
    await create_budget(api, account, "metered", limit="10")
    await spend(api, account, "12.50", "metered")  # over the budget: an alert, an e-mail

    expected = {
        "ray_ledgerflow_events_applied_total": {"type": "transaction_created"},
        "ray_ledgerflow_alerts_total": {"type": "budget_exceeded"},
        "ray_ledgerflow_notifications_total": {"channel": "email", "outcome": "sent"},
        "ray_ledgerflow_outbox_published_total": {},
        "ray_ledgerflow_request_seconds_count": {
            "route": "/api/transaction",
            "method": "POST",
            "status": "201",
        },
    }
    after = before

    def still() -> list[str]:
        return [
            name
            for name, labels in expected.items()
            if _total(after, name, **labels) <= _total(before, name, **labels)
        ]

    async def counted() -> bool:
        nonlocal after
        after = await _scrape(system)
        return not still()

    try:
        await eventually(counted, within=60)
    except TimeoutError:
        ours = [line for line in after.splitlines() if line.startswith("ray_ledgerflow")]
        pytest.fail(f"not moved: {still()}; exported: {ours}")
    exported = _exported(after)
    assert {"ray_ledgerflow_consumer_lag", "ray_ledgerflow_outbox_pending"} <= exported
    shards = {f"ledger-shard-{i}" for i in range(system.settings.ledger_shards)}
    lagging = {
        sample.labels["consumer"]
        for family in text_string_to_metric_families(after)
        for sample in family.samples
        if sample.name == "ray_ledgerflow_consumer_lag"
    }
    assert shards | {"messaging"} <= lagging


@pytest.mark.e2e
async def test_every_dashboard_panel_names_only_metrics_the_running_system_exports(
    api: httpx.AsyncClient, system: RunningSystem
) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    queries = {
        panel["title"]: [target["expr"] for target in panel["targets"]]
        for panel in dashboard["panels"]
    }
    assert queries and all(queries.values()), "a panel without a query"
    named = {title: set(METRIC_NAME.findall(" ".join(q))) for title, q in queries.items()}
    assert all(named.values()), f"a panel that names no metric: {named}"
    # Traffic for every panel: a write with its alert and e-mail, and a dead letter.
    account = await signup_and_login(api)
    await create_budget(api, account, "charted", limit="5")
    await spend(api, account, "6", "charted")
    await send_signed(system.settings, RawRecord("transaction_created", b"junk", b"not json"))
    wanted = set().union(*named.values())
    exported: set[str] = set()

    async def all_exported() -> bool:
        nonlocal exported
        exported = _exported(await _scrape(system))
        return wanted <= exported

    try:
        await eventually(all_exported, within=60)
    except TimeoutError:
        missing = {title: sorted(names - exported) for title, names in named.items()}
        pytest.fail(f"not exported: { {t: m for t, m in missing.items() if m} }")


@pytest.mark.e2e
async def test_a_lock_and_a_dead_letter_leave_their_log_lines_without_personal_data(
    api: httpx.AsyncClient, system: RunningSystem, db: Settings
) -> None:
    admin = await admin_account(api)
    user = await signup_and_login(api, phone="+15551230987")
    locked = await api.post(f"/api/admin/users/{user.id}/lock", headers=admin.auth)
    assert locked.status_code == 200, locked.text
    key = f"leaky:{user.email}".encode()
    await send_signed(system.settings, RawRecord("budget_changed", key, b"\xff" + key))

    async def logged() -> bool:
        return any(_ray_log_lines(f"user={user.id}")) and any(_ray_log_lines("leaky:"))

    await eventually(logged, within=60)
    [lock_line] = [line for line in _ray_log_lines(f"user={user.id}") if "account_locked" in line]
    assert f"by={admin.id}" in lock_line and "sessions_revoked=1" in lock_line
    letters = [line for line in _ray_log_lines("leaky:") if "dead_lettered" in line]
    assert letters and all("topic=budget_changed" in line for line in letters)
    for line in [lock_line, *letters]:
        assert user.email not in line and "+15551230987" not in line
        assert admin.email not in line and admin.access not in line
    assert not any(_ray_log_lines(user.email))


@pytest.mark.e2e
def test_the_api_docs_render_their_operations_with_no_way_out_of_the_machine(
    system: RunningSystem, browser: WebDriver
) -> None:
    browser.get(f"{system.api_url}/docs")
    operation = (By.CSS_SELECTOR, ".opblock-summary-path")
    until(browser, lambda b: b.find_elements(*operation))
    paths = {element.text.replace("\u200b", "") for element in browser.find_elements(*operation)}
    assert {"/api/transaction", "/api/admin/users/{user_id}/lock"} <= paths, paths
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(entry => entry.name)"
    )
    assert loaded and all(url.startswith(f"{system.api_url}/") for url in loaded), loaded
