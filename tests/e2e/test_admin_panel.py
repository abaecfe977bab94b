"""The admin panel in a real headless Chromium (the OS's own, driven by Selenium): an admin signs
in, finds a user, locks and unlocks them, and replays a dead letter, which is delivered once."""

from collections.abc import Callable
from functools import partial

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as shown

from adapters.config import Settings
from adapters.models import DeadLetterRecord, Delivery
from serve.system import RunningSystem
from tests.e2e.admins import admin_account, login
from tests.e2e.chromium import until
from tests.e2e.identity import Account, signup_and_login, unique_email
from tests.eventually import eventually
from tests.smtp_server import RecordingSmtp


def _text_is(selector: str, text: str) -> Callable[[WebDriver], bool]:
    def check(browser: WebDriver) -> bool:
        found = browser.find_elements(By.CSS_SELECTOR, selector)
        return bool(found) and found[0].text == text

    return check


def _loaded(table_id: str) -> Callable[[WebDriver], bool]:
    """The table shows the answer to its last request (the panel marks it busy until then)."""

    def check(browser: WebDriver) -> bool:
        return browser.find_element(By.ID, table_id).get_attribute("aria-busy") == "false"

    return check


def _click(browser: WebDriver, selector: str) -> None:
    until(browser, shown.element_to_be_clickable((By.CSS_SELECTOR, selector)))
    browser.find_element(By.CSS_SELECTOR, selector).click()


def _type(browser: WebDriver, element_id: str, text: str) -> None:
    field = browser.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def _audit_rows(browser: WebDriver) -> list[list[str]]:
    return [
        [cell.text for cell in row.find_elements(By.CSS_SELECTOR, ".actor, .action, .target")]
        for row in browser.find_elements(By.CSS_SELECTOR, "#audit tbody tr")
    ]


async def _dead_letter_of(user: Account) -> DeadLetterRecord:
    async def given_up() -> bool:
        rows = await Delivery.filter(user_id=user.id, state="dead")
        return bool(rows) and await DeadLetterRecord.exists(delivery_id=rows[0].id)

    await eventually(given_up)
    delivery = await Delivery.get(user_id=user.id)
    return await DeadLetterRecord.get(delivery_id=delivery.id)


async def _sent(user: Account) -> bool:
    return [row.state for row in await Delivery.filter(user_id=user.id)] == ["sent"]


async def test_an_admin_finds_locks_unlocks_and_replays_in_the_panel(
    api: httpx.AsyncClient,
    db: Settings,
    system: RunningSystem,
    smtp_server: RecordingSmtp,
    browser: WebDriver,
) -> None:
    admin = await admin_account(api)
    email = unique_email("panel")
    smtp_server.reject(email)  # its welcome e-mail dies: a dead letter to replay
    user = await signup_and_login(api, email=email)
    letter = await _dead_letter_of(user)

    browser.get(f"{system.api_url}/admin")
    _type(browser, "login-email", admin.email)
    _type(browser, "login-password", admin.password)
    _click(browser, "#login-submit")
    until(browser, shown.visibility_of_element_located((By.ID, "panel")))

    _type(browser, "user-email", email.upper())
    _click(browser, "#user-find")
    until(browser, _loaded("users"))
    row = f'tr[data-user-id="{user.id}"]'
    until(browser, _text_is(f"{row} .email", email))
    _click(browser, f"{row} button.lock")
    until(browser, _text_is(f"{row} .state", "locked"))
    assert (await api.get("/api/user/me", headers=user.auth)).status_code == 401
    refused = await api.post("/api/user/login", json={"email": email, "password": user.password})
    assert refused.status_code == 403

    _click(browser, f"{row} button.unlock")
    until(browser, _text_is(f"{row} .state", "active"))
    await login(api, user)

    _click(browser, "#dead-letters-refresh")
    until(browser, _loaded("dead-letters"))
    dead = f'tr[data-dead-letter-id="{letter.id}"]'
    until(browser, _text_is(f"{dead} .kind", "undeliverable"))
    assert email in browser.find_element(By.CSS_SELECTOR, f"{dead} .value").text
    smtp_server.accept(email)
    _click(browser, f"{dead} button.replay")
    until(
        browser,
        lambda b: b.find_element(By.CSS_SELECTOR, f"{dead} .state").text.startswith("replayed"),
    )
    await smtp_server.wait_for_count(email, 1)
    await eventually(partial(_sent, user))
    assert len(smtp_server.to(email)) == 1

    expected = [
        [admin.email, "replay", f"dead letter {letter.id}"],
        [admin.email, "unlock", email],
        [admin.email, "lock", email],
    ]
    until(browser, lambda b: _audit_rows(b)[:3] == expected)

    _click(browser, "#system-refresh")
    until(browser, _text_is('#parts tr[data-part="outbox-relay"] .state', "ready"))
