"""When a consumer fetches and when it rests (actors/domain/fetch_pace.py)."""

from actors.domain.fetch_pace import FetchPace


def test_a_consumer_keeps_fetching_while_records_flow() -> None:
    pace = FetchPace(idle_seconds=1.0, poll_seconds=5.0)
    for second in range(10):
        pace.records()
        assert not pace.rests(second + 0.5)


def test_it_rests_after_a_quiet_spell_and_not_before() -> None:
    pace = FetchPace(idle_seconds=1.0, poll_seconds=5.0)
    pace.records()
    assert not pace.rests(10.0)  # the first empty fetch starts the spell
    assert not pace.rests(10.9)
    assert pace.rests(11.0)


def test_woken_it_fetches_for_a_whole_spell_again() -> None:
    pace = FetchPace(idle_seconds=1.0, poll_seconds=5.0)
    pace.rests(0.0)
    assert pace.rests(1.0)
    pace.rested(3.0, woken=True)
    assert not pace.rests(3.5)
    assert pace.rests(4.0)


def test_after_a_poll_that_finds_nothing_it_rests_at_once() -> None:
    pace = FetchPace(idle_seconds=1.0, poll_seconds=5.0)
    pace.rests(0.0)
    assert pace.rests(1.0)
    pace.rested(6.0, woken=False)
    assert pace.rests(6.1)


def test_a_poll_that_finds_records_ends_the_rest() -> None:
    pace = FetchPace(idle_seconds=1.0, poll_seconds=5.0)
    pace.rests(0.0)
    assert pace.rests(1.0)
    pace.rested(6.0, woken=False)
    pace.records()
    assert not pace.rests(6.5)


def test_without_an_idle_spell_it_never_rests() -> None:
    pace = FetchPace(idle_seconds=0.0, poll_seconds=5.0)
    assert not pace.rests(0.0)
    assert not pace.rests(3600.0)
