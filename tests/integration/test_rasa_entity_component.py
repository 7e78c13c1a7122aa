"""Our Rasa component, run inside Rasa's own Python 3.10 environment, adds the nlu/ extractors' entities."""
from __future__ import annotations

import json
import subprocess

import pytest

from rexian.config import PROJECT_ROOT
from rexian.stack import rasa_env, rasa_venv

PROBE = r"""
import json, sys, tempfile, pathlib
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from nlu.rasa_components import RexianEntityExtractor

storage = LocalModelStorage(pathlib.Path(tempfile.mkdtemp()))
component = RexianEntityExtractor.create(RexianEntityExtractor.get_default_config(), storage, Resource("x"),
                                         ExecutionContext(GraphSchema({}), "x"))
messages = [Message(data={"text": t}) for t in sys.argv[1:]]
component.process(messages)
print(json.dumps([m.get("entities", []) for m in messages], ensure_ascii=False))
"""

TEXTS = ["我姓王，电话13812345678，昨天晚上十点楼下很吵", "身份证号11010519491231002X 請幫我查一下", "你好",
         "海淀区中关村大街27号院门口的井盖丢了"]


@pytest.fixture(scope="module")
def entities() -> list[list[dict]]:
    done = subprocess.run([str(rasa_venv() / "bin" / "python"), "-c", PROBE, *TEXTS], cwd=PROJECT_ROOT,
                          env=rasa_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_phone_person_and_time_are_extracted_with_spans(entities: list[list[dict]]) -> None:
    found = {e["entity"]: e for e in entities[0]}
    assert found["phone"]["value"] == "13812345678"
    assert TEXTS[0][found["phone"]["start"]:found["phone"]["end"]] == "13812345678"
    assert found["person"]["value"] == "王"
    assert "time" in found
    assert all(e["extractor"] == "RexianEntityExtractor" for e in entities[0])


def test_id_number_in_traditional_text(entities: list[list[dict]]) -> None:
    ids = [e for e in entities[1] if e["entity"] == "id_number"]
    assert ids and ids[0]["value"] == "11010519491231002X"


def test_nothing_found_in_a_greeting(entities: list[list[dict]]) -> None:
    assert entities[2] == []


def test_address_is_normalised_to_the_district_and_rest(entities: list[list[dict]]) -> None:
    addresses = [e for e in entities[3] if e["entity"] == "address"]
    assert addresses and addresses[0]["value"].startswith("北京市海淀区中关村大街27号")
    assert TEXTS[3][addresses[0]["start"]:addresses[0]["end"]].startswith("海淀区中关村大街27号")
