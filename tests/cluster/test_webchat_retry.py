"""A web chat message retried after a timeout (same ``message_id``) is one turn for the bot, not two: the retry
joins the first attempt and gets its reply. Real web chat server and a fake Rasa REST channel, both over HTTP."""
from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest

from connectors.webchat.app import create_app
from tests.fakes.rasa_rest import FakeRasa
from tests.fakes.servers import ThreadedServer


@pytest.fixture
def servers() -> Iterator[tuple[FakeRasa, str]]:
    rasa = FakeRasa().start()
    webchat = ThreadedServer(create_app(rasa.url, timeout=30))
    webchat.start()
    yield rasa, webchat.url
    rasa.release()
    webchat.stop()
    rasa.stop()


def _post(url: str, sender: str, text: str, message_id: str | None, timeout: float = 30) -> httpx.Response:
    body = {"sender_id": sender, "text": text, **({"message_id": message_id} if message_id else {})}
    return httpx.post(f"{url}/api/messages", json=body, timeout=timeout)


def test_a_retry_after_a_timeout_joins_the_first_attempt(servers: tuple[FakeRasa, str]) -> None:
    rasa, url = servers
    sender, message_id = f"web:{uuid.uuid4().hex}", uuid.uuid4().hex
    rasa.hold("王女士")
    with pytest.raises(httpx.ReadTimeout):
        _post(url, sender, "王女士", message_id, timeout=0.5)     # the page gives up waiting
    replies: list[httpx.Response] = []
    retry = threading.Thread(target=lambda: replies.append(_post(url, sender, "王女士", message_id)))
    retry.start()                                                  # ... and sends the same message again
    rasa.wait_for_received(sender, 1)
    rasa.release()
    retry.join(timeout=30)
    assert replies and replies[0].status_code == 200
    assert replies[0].json()["messages"][0]["text"] == "收到：王女士"
    assert _post(url, sender, "王女士", message_id).json()["messages"][0]["text"] == "收到：王女士"  # answered: same
    received = rasa.received(sender)
    assert len(received) == 1 and received[0]["metadata"] == {"message_id": message_id}


def test_new_messages_and_messages_without_an_id_are_each_a_turn(servers: tuple[FakeRasa, str]) -> None:
    rasa, url = servers
    sender = f"web:{uuid.uuid4().hex}"
    for message_id in (uuid.uuid4().hex, uuid.uuid4().hex, None, None):
        assert _post(url, sender, "是", message_id).status_code == 200
    assert len(rasa.received(sender)) == 4


def test_a_failed_first_attempt_is_tried_again(servers: tuple[FakeRasa, str]) -> None:
    rasa, url = servers
    sender, message_id = f"web:{uuid.uuid4().hex}", uuid.uuid4().hex
    rasa.failing = True
    response = _post(url, sender, "你好", message_id)
    assert response.status_code == 503 and "12345" in response.json()["detail"]
    rasa.failing = False
    assert _post(url, sender, "你好", message_id).json()["messages"][0]["text"] == "收到：你好"
    assert len(rasa.received(sender)) == 2
