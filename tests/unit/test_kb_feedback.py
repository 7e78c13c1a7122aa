"""Feedback log: personal numbers masked, sender ids hashed with the salt, export filters by kind and date."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

from knowledge_base.feedback import FeedbackLog, mask_personal_numbers

PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"


def _raw_dump(path: Path) -> str:
    """Every stored value of every table, as one string (what someone reading the file would see)."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(str(row) for table in tables for row in conn.execute(f"SELECT * FROM {table}"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"我的电话{PHONE}请回电", "我的电话[手机号]请回电"),
        (f"身份证{ID_NUMBER}丢了", "身份证[身份证号]丢了"),
        ("身份证110105194912310021", "身份证[身份证号]"),
        ("订单号 123456789012345678901 不是手机号", "订单号 123456789012345678901 不是手机号"),
        ("座机 12345678901", "座机 12345678901"),  # 12… is not a mobile prefix
        ("居住证怎么办理", "居住证怎么办理"),
    ],
)
def test_mask_personal_numbers(text: str, expected: str) -> None:
    assert mask_personal_numbers(text) == expected


def test_unanswered_is_stored_masked_and_hashed(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite3"
    log = FeedbackLog(db, salt="test-salt")
    log.log_unanswered(
        f"我手机{PHONE}，身份证{ID_NUMBER}，社保卡丢了怎么办",
        channel="webchat",
        sender_id="user-42",
        band="no_match",
        candidates=[{"entry_id": "sb-001", "similarity": 0.41234}, "sb-002"],
    )
    rows = log.export("unanswered")
    assert len(rows) == 1
    row = rows[0]
    assert row["query"] == "我手机[手机号]，身份证[身份证号]，社保卡丢了怎么办"
    assert row["candidates"] == [{"entry_id": "sb-001", "similarity": 0.4123}, {"entry_id": "sb-002"}]
    assert row["sender_hash"] == log.hash_sender("user-42") != "user-42"
    raw = _raw_dump(db)
    assert PHONE not in raw and ID_NUMBER not in raw and "user-42" not in raw


def test_candidates_may_be_kb_matches_or_hits(tmp_path: Path) -> None:
    from knowledge_base.index import Hit
    from knowledge_base.schema import KBEntry
    from knowledge_base.service import KBMatch

    entry = KBEntry(id="hz-002", question="办护照要带什么？", answer="身份证。", category="出入境")
    log = FeedbackLog(tmp_path / "f.sqlite3", salt="s")
    log.log_unanswered(
        "护照",
        channel="webchat",
        sender_id="u",
        band="did_you_mean",
        candidates=[KBMatch(entry, 0.91, 1.0, entry.question), Hit("hz-003", 0.5, 0.88, "护照在哪办")],
    )
    assert log.export("unanswered")[0]["candidates"] == [
        {"entry_id": "hz-002", "similarity": 0.91},
        {"entry_id": "hz-003", "similarity": 0.88},
    ]


def test_sender_hash_depends_on_salt_and_is_stable(tmp_path: Path) -> None:
    a = FeedbackLog(tmp_path / "a.sqlite3", salt="one")
    b = FeedbackLog(tmp_path / "b.sqlite3", salt="two")
    assert a.hash_sender("u1") != b.hash_sender("u1")
    assert a.hash_sender("u1") == FeedbackLog(tmp_path / "a.sqlite3", salt="one").hash_sender("u1")


def test_without_salt_a_random_salt_is_kept_in_the_database(tmp_path: Path) -> None:
    first = FeedbackLog(tmp_path / "f.sqlite3")
    second = FeedbackLog(tmp_path / "f.sqlite3")
    other = FeedbackLog(tmp_path / "g.sqlite3")
    assert first.hash_sender("u1") == second.hash_sender("u1") != other.hash_sender("u1")


def test_votes_counts_and_since_filter(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "f.sqlite3", salt="s")
    log.log_vote("jzz-001", f"居住证怎么办 {PHONE}", helpful=True, channel="webchat", sender_id="a")
    log.log_vote("jzz-002", "材料", helpful=False, channel="telegram", sender_id="b")
    votes = log.export("votes")
    assert [(v["entry_id"], v["helpful"], v["channel"]) for v in votes] == [
        ("jzz-001", True, "webchat"),
        ("jzz-002", False, "telegram"),
    ]
    assert votes[0]["query"] == "居住证怎么办 [手机号]"
    assert log.counts() == {"unanswered": 0, "votes_helpful": 1, "votes_unhelpful": 1}
    assert log.export("votes", since=date.today() + timedelta(days=2)) == []
    assert len(log.export("votes", since=date.today() - timedelta(days=1))) == 2
    with pytest.raises(ValueError):
        log.export("everything")  # type: ignore[arg-type]


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "f.sqlite3", salt="s")

    def write(worker: int) -> None:
        for i in range(20):
            log.log_unanswered(f"问题{worker}-{i}", channel="webchat", sender_id=str(worker), band="no_match")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert log.counts()["unanswered"] == 80
    with sqlite3.connect(tmp_path / "f.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
