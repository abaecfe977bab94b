"""The keys on a real file system: configured, or generated once under the home, owner-only."""

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pydantic import ValidationError

from actors.domain.signatures import EventKey
from adapters.config import Settings
from adapters.keys import event_key, signing_key


def test_an_unset_event_key_is_generated_once_readable_by_the_owner_only(tmp_path: Path) -> None:
    first = event_key(None, tmp_path)
    EventKey(first)  # long enough to sign with
    path = tmp_path / "keys" / "event-hmac.key"
    assert path.read_text() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert event_key(None, tmp_path) == first
    assert [p.name for p in path.parent.iterdir()] == ["event-hmac.key"]  # no leftovers


def test_a_configured_key_wins_and_writes_nothing(tmp_path: Path) -> None:
    configured = "k" * 40
    assert event_key(configured, tmp_path) == configured
    assert not (tmp_path / "keys").exists()


def test_processes_starting_at_once_all_get_the_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        events = set(pool.map(lambda _: event_key(None, tmp_path), range(16)))
        tokens = set(pool.map(lambda _: signing_key(None, tmp_path), range(16)))
    assert len(events) == 1 and len(tokens) == 1
    assert events != tokens
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [
        "event-hmac.key",
        "jwt-ed25519.pem",
    ]


def test_a_short_configured_event_key_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGERFLOW_EVENT_KEY", "too short")
    with pytest.raises(ValidationError, match="LEDGERFLOW_EVENT_KEY"):
        Settings()
