"""The survey store: one survey per closure, atomic claims, guarded transitions (SQLite files)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from callbacks.store import SurveyState, SurveyStore

T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
LEASE = dt.timedelta(minutes=5)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'callbacks.sqlite3'}"


def add(store: SurveyStore, order: str = "2026030200000001", closure: int = 0, due: dt.datetime = T0) -> bool:
    return store.add(order, closure, SurveyState.SCHEDULED, channel="webchat", recipient="web:x",
                     closed_at=T0, due_at=due, now=T0)


def test_one_survey_per_closure(url: str) -> None:
    a, b = SurveyStore(url), SurveyStore(url)
    assert add(a) is True
    assert add(b) is False           # same closure from another store object on the same file
    assert add(b, closure=1) is True  # reopened and closed again: a new survey
    assert [s.closure for s in a.for_order("2026030200000001")] == [0, 1]


def test_claim_is_exclusive_across_stores_and_threads(url: str) -> None:
    setup = SurveyStore(url)
    for i in range(20):
        add(setup, order=f"20260302{i:08d}")
    stores = [SurveyStore(url) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    won: dict[int, list[int]] = {i: [] for i in range(len(stores))}

    def work(index: int) -> None:
        store = stores[index]
        barrier.wait()
        for survey in store.due(T0):
            if store.claim(survey.id, f"owner-{index}", T0, LEASE):
                won[index].append(survey.id)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [sid for ids in won.values() for sid in ids]
    assert sorted(claimed) == sorted(set(claimed))  # nobody claimed a survey twice
    assert len(claimed) == 20


def test_claim_respects_due_time_and_lease(url: str) -> None:
    store = SurveyStore(url)
    add(store, due=T0 + dt.timedelta(hours=1))
    survey = store.get("2026030200000001", 0)
    assert survey is not None
    assert store.due(T0) == []
    assert not store.claim(survey.id, "a", T0, LEASE)            # not due yet
    later = T0 + dt.timedelta(hours=1)
    assert store.claim(survey.id, "a", later, LEASE)
    assert not store.claim(survey.id, "b", later + dt.timedelta(minutes=1), LEASE)  # lease still held
    assert store.claim(survey.id, "b", later + LEASE, LEASE)     # lease expired: another may take over
    assert not store.begin_attempt(survey.id, "a", later + LEASE, later + dt.timedelta(hours=4))  # "a" lost it
    assert store.begin_attempt(survey.id, "b", later + LEASE, later + dt.timedelta(hours=4))
    assert store.mark_invited(survey.id, "b", later + LEASE)
    invited = store.get("2026030200000001", 0)
    assert invited is not None and invited.state is SurveyState.INVITED and invited.attempts == 1
    assert invited.due_at == later + dt.timedelta(hours=4)


def test_undo_attempt_gives_the_attempt_back(url: str) -> None:
    store = SurveyStore(url)
    add(store)
    survey = store.get("2026030200000001", 0)
    assert survey is not None
    assert store.claim(survey.id, "a", T0, LEASE)
    assert store.begin_attempt(survey.id, "a", T0, T0 + dt.timedelta(hours=4))
    assert store.undo_attempt(survey.id, "a", T0, T0 + dt.timedelta(minutes=5))
    again = store.get("2026030200000001", 0)
    assert again is not None and again.attempts == 0 and again.state is SurveyState.SCHEDULED
    assert again.due_at == T0 + dt.timedelta(minutes=5)


def test_no_reply_and_answered_transitions(url: str) -> None:
    store = SurveyStore(url)
    add(store)
    add(store, closure=1)
    first = store.get("2026030200000001", 0)
    assert first is not None
    for _ in range(2):
        assert store.claim(first.id, "a", T0, LEASE)
        assert store.begin_attempt(first.id, "a", T0, T0)
        assert store.mark_invited(first.id, "a", T0)
    assert not store.finish_no_reply(first.id, 3, T0)   # only 2 of 3 attempts
    assert store.finish_no_reply(first.id, 2, T0)
    assert not store.finish_no_reply(first.id, 2, T0)   # only once
    assert store.mark_answered("2026030200000001", 2, T0) == 1  # closure 1 only: closure 0 is final already
    states = [s.state for s in store.for_order("2026030200000001")]
    assert states == [SurveyState.NO_REPLY, SurveyState.ANSWERED]


def test_cursor_round_trip(url: str) -> None:
    store = SurveyStore(url)
    assert store.cursor() is None
    store.save_cursor("17", T0)
    store.save_cursor("42", T0)
    assert SurveyStore(url).cursor() == "42"


def test_stores_opened_together_on_a_new_file_all_get_the_tables(tmp_path: Path) -> None:
    """Schedulers starting at the same moment race to create the tables; none may crash (seen in CI)."""
    import sqlalchemy as sa

    from callbacks.db import make_engine, metadata

    for round_ in range(10):
        url = f"sqlite:///{tmp_path / f'race{round_}.sqlite3'}"
        barrier = threading.Barrier(6)
        errors: list[BaseException] = []

        def open_store(url: str = url, barrier: threading.Barrier = barrier, errors: list = errors) -> None:
            try:
                barrier.wait()
                make_engine(url).dispose()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=open_store) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        engine = sa.create_engine(url)
        assert set(sa.inspect(engine).get_table_names()) == set(metadata.tables)
        engine.dispose()


def test_losing_the_create_race_is_retried_and_a_lasting_error_is_raised(tmp_path: Path, monkeypatch) -> None:
    import sqlalchemy as sa

    from callbacks import db

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    real_create = db.metadata.create_all
    lost = [sa.exc.OperationalError("CREATE TABLE", {}, Exception("table callback_surveys already exists"))] * 3
    waits: list[float] = []

    def create_all(bind) -> None:  # type: ignore[no-untyped-def]
        if lost:
            raise lost.pop()
        real_create(bind)

    monkeypatch.setattr(db.metadata, "create_all", create_all)
    db.create_tables(engine, sleep=waits.append)
    assert len(waits) == 3 and set(sa.inspect(engine).get_table_names()) == set(db.metadata.tables)

    def always_fails(bind) -> None:  # type: ignore[no-untyped-def]
        raise sa.exc.OperationalError("CREATE TABLE", {}, Exception("disk I/O error"))

    monkeypatch.setattr(db.metadata, "create_all", always_fails)
    waits.clear()
    with pytest.raises(sa.exc.OperationalError):
        db.create_tables(engine, sleep=waits.append)
    assert len(waits) == db.CREATE_ATTEMPTS - 1
