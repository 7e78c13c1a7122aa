"""The citizen's wait is bounded: with the backend down, a confirmation (or a survey answer) is answered within one
client timeout plus a small margin, after at most one HTTP attempt, and the write is queued exactly once."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.actions.intake.session import IntakeSession
from bot.actions.intake.submit import WorkOrderSubmitter, submission_text
from dispatch_client import DispatchClient, Outbox, SurveyResult
from tests.fakes.servers import free_port

TIMEOUT = 1.0   # the client's timeout (dispatch.timeout; 5 s in rexian.yml)
MARGIN = 0.75   # everything else the confirmation does (outbox file, building the request, the reply)


class SilentBackend:
    """Accepts connections and reads requests but never answers them, except (when ``services`` is set) GET
    /services.json: a backend that stopped answering after the bot learned its catalogue."""

    def __init__(self, services: list[dict[str, object]] | None = None) -> None:
        self.services = services
        self.requests: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._held: list[socket.socket] = []
        self._stopped = threading.Event()
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._held.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        data = b""
        try:
            while not self._stopped.is_set():
                while b"\r\n\r\n" in data:
                    head, data = data.split(b"\r\n\r\n", 1)
                    method, path = head.split(b"\r\n", 1)[0].decode().split(" ")[:2]
                    self.requests.append(f"{method} {path.split('?')[0]}")
                    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), 0)
                    data = data[length:]
                    if self.services is not None and (method, path) == ("GET", "/services.json"):
                        body = json.dumps(self.services).encode()
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
        except OSError:
            return

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def silent() -> Iterator[SilentBackend]:
    server = SilentBackend()
    yield server
    server.stop()


def confirmed() -> IntakeSession:
    return IntakeSession(stage="confirm", appeal_type="投诉举报", description="小区门口烧烤店每天晚上吵到凌晨两点",
                         address="北京市朝阳区建国路88号", occurred="每天晚上", category="城乡建设与管理/噪音扰民/社会生活噪音",
                         name="王女士", phone="13812345678", callback_consent=True, anonymous=False)


def submitter_for(url: str, tmp_path: Path) -> WorkOrderSubmitter:
    client = DispatchClient(url, "k", timeout=TIMEOUT, retries=0)  # what bot/actions builds (retries=0)
    return WorkOrderSubmitter(client, Outbox(client, tmp_path / "outbox.sqlite3", retry_interval=60))


def timed_submit(submitter: WorkOrderSubmitter, session: IntakeSession) -> tuple[float, object]:
    start = time.monotonic()
    result = submitter.submit(session, channel="webchat", channel_user_id="web:abcdefgh12345678")
    return time.monotonic() - start, result


@pytest.mark.parametrize("services", [None, []], ids=["silent-from-the-start", "silent-after-the-catalogue"])
def test_a_backend_that_never_answers_costs_one_timeout(tmp_path: Path, services: list | None) -> None:
    backend = SilentBackend(services)
    try:
        submitter = submitter_for(backend.url, tmp_path)
        if services is not None:
            submitter.catalog.services()  # learned while the backend still answered
        backend.requests.clear()
        elapsed, result = timed_submit(submitter, confirmed())
        assert TIMEOUT * 0.9 <= elapsed <= TIMEOUT + MARGIN
        # One attempt: the catalogue when it is not known yet (then the creation is only queued), else the creation.
        assert backend.requests == (["GET /services.json"] if services is None else ["POST /requests.json"])
        assert result.provisional and result.reference.startswith("LS") and "临时受理号" in submission_text(result)
        assert [e.provisional_reference for e in submitter.outbox.pending()] == [result.reference]
    finally:
        backend.stop()


def test_a_closed_port_answers_at_once_and_a_second_confirmation_queues_nothing_more(tmp_path: Path) -> None:
    submitter = submitter_for(f"http://127.0.0.1:{free_port()}", tmp_path)
    session = confirmed()
    elapsed, first = timed_submit(submitter, session)
    assert elapsed <= MARGIN and first.provisional
    elapsed, second = timed_submit(submitter, session)  # "确认" again, or the action call repeated
    assert elapsed <= MARGIN and second.reference == first.reference
    assert len(submitter.outbox.pending()) == 1


def test_a_survey_answer_costs_one_attempt(silent: SilentBackend, tmp_path: Path) -> None:
    client = DispatchClient(silent.url, "k", timeout=TIMEOUT, retries=0)
    outbox = Outbox(client, tmp_path / "outbox.sqlite3", retry_interval=60)
    start = time.monotonic()
    entry = outbox.submit(SurveyResult(service_request_id="2026031600000001", resolved=False, satisfaction="不满意"))
    assert time.monotonic() - start <= TIMEOUT + MARGIN
    assert entry.state == "pending" and silent.requests == ["POST /requests/2026031600000001/survey.json"]
    outbox.close()
