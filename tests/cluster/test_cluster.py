"""The reduced cluster: two Rasa servers sharing conversations (Redis lock store, PostgreSQL tracker store) behind
HAProxy, one action server, one dispatch backend on PostgreSQL. A conversation started through the balancer goes on
with its state after the Rasa server it was on is killed (kill -9), and the complaint confirmed across the kill is
filed once.

The set-up installs what it needs through the project's scripts (scripts/install_cluster_deps.sh,
scripts/test_postgres.sh: apt-get as root); where nothing can be installed the test is skipped with the reason."""
from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from configuration import PROJECT_ROOT, load_config
from dispatch_client import DispatchClient
from rexian.cluster import Cluster, ClusterUnavailable, Ports, free_port
from rexian.stack import ensure_rasa_model, rasa_venv
from tests.e2e.harness import stack_environment

pytestmark = pytest.mark.e2e

COMPLAINT = "我要投诉，朝阳区建国路88号楼下的烧烤店每天晚上吵到凌晨两点，从上周三开始的，我姓王，电话13812345678"
ANSWERS = [("哪一类", "1"), ("投诉举报、求助", "投诉举报"), ("涉及具体地点", "无"), ("什么时候", "昨天晚上十点"),
           ("需要我们回访", "是"), ("保密", "否"), ("具体说一下", "楼下烧烤店每天营业到凌晨两点，油烟和噪音很大")]


class BalancedChat:
    """One citizen on the REST channel through the balancer; remembers which Rasa server answered last."""

    def __init__(self, rasa_url: str) -> None:
        self.url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
        self.sender = f"cluster-{uuid.uuid4().hex[:12]}"
        self.server = ""

    def say(self, message: str) -> str:
        response = httpx.post(self.url, json={"sender": self.sender, "message": message}, timeout=120)
        response.raise_for_status()
        self.server = response.headers.get("x-rexian-server", "")
        return "\n".join(m.get("text", "") for m in response.json() if m.get("text"))

    def until_summary(self, reply: str, max_turns: int = 12) -> str:
        for _ in range(max_turns):
            if "请核对" in reply:
                return reply
            answer = next((a for marker, a in ANSWERS if marker in reply), None)
            if answer is None:
                pytest.fail(f"unexpected bot reply inside the form: {reply!r}")
            reply = self.say(answer)
        pytest.fail(f"no summary after {max_turns} turns; last reply {reply!r}")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not (rasa_venv() / "bin" / "rasa").exists():
        pytest.fail(f"Rasa environment missing at {rasa_venv()}: run `make setup` first")
    # Not under pytest's 0700 temporary directory: PostgreSQL runs as its own user when we are root.
    var_dir = Path(tempfile.mkdtemp(prefix="rexian-cluster-"))
    var_dir.chmod(0o755)
    with stack_environment(var_dir):
        os.environ["REXIAN_CALLBACKS_ENABLED"] = "false"
        running = Cluster(load_config(), ensure_rasa_model(PROJECT_ROOT), var_dir,
                          ports=Ports(actions=(free_port(),), dispatch=(free_port(),)))
        try:
            running.start()
        except ClusterUnavailable as exc:
            running.stop()
            shutil.rmtree(var_dir, ignore_errors=True)
            pytest.skip(f"cluster mode cannot run here: {exc}")
        try:
            yield running
        finally:
            running.stop()
            shutil.rmtree(var_dir, ignore_errors=True)


def test_conversation_survives_the_death_of_its_rasa_server_and_files_once(cluster: Cluster) -> None:
    settings = cluster.settings
    chat = BalancedChat(settings.rasa.url)
    summary = chat.until_summary(chat.say(COMPLAINT))
    assert "建国路88号" in summary and "138****5678" in summary
    assert chat.server in ("rasa-1", "rasa-2")

    cluster.kill(chat.server)                      # kill -9 the server that showed the summary
    killed = chat.server
    reply = chat.say("电话改成13900001111")          # the form goes on elsewhere, with the fields it had
    assert chat.server != killed and chat.server.startswith("rasa-")
    assert "请核对" in reply and "139****1111" in reply and "建国路88号" in reply

    done = chat.say("确认")
    assert "工单号" in done or "受理号" in done
    again = chat.say("确认")                         # the citizen says it twice: still one order
    assert again

    with DispatchClient(settings.dispatch.url, api_key=settings.dispatch.effective_api_key, timeout=10) as client:
        orders = client.list(channel="rest", channel_user_id=chat.sender)
    assert len(orders) == 1
    assert orders[0].contact.phone == "13900001111" and "建国路88号" in (orders[0].address or "")
