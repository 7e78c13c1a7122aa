"""Rasa's JiebaTokenizer, configured as in bot/config.yml, really loads the project's user-dictionary directory."""
from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from configuration import PROJECT_ROOT
from rexian.stack import rasa_env, rasa_venv

PROBE = r"""
import json, sys
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.training_data.message import Message
import tempfile, pathlib

# jieba's dictionary is process-global: tokenize without the user dictionary first, then with it.
out = {}
for key, dictionary_path in (("plain", None), ("configured", sys.argv[1])):
    storage = LocalModelStorage(pathlib.Path(tempfile.mkdtemp()))
    config = {**JiebaTokenizer.get_default_config(), "dictionary_path": dictionary_path}
    tokenizer = JiebaTokenizer.create(config, storage, Resource("tok"), ExecutionContext(GraphSchema({}), "x"))
    out[key] = {text: [t.text for t in tokenizer.tokenize(Message(data={"text": text}), "text")] for text in sys.argv[2:]}
print(json.dumps(out, ensure_ascii=False))
"""

# The last pair comes from the generated nlu/dicts/categories.txt (rexian nlu build-dicts, routing.yml level 3).
SENTENCES = ["我想咨询医保电子凭证怎么激活", "专项附加扣除怎么填报", "楼下烧烤店半夜很吵算不算社会生活噪音"]
DOMAIN_WORDS = ["医保电子凭证", "专项附加扣除", "社会生活噪音"]
GENERATED_FILE_WORDS = {"categories.txt": "社会生活噪音"}


def _tokenize(dictionary_path: str) -> dict[str, dict[str, list[str]]]:
    done = subprocess.run(
        [str(rasa_venv() / "bin" / "python"), "-c", PROBE, dictionary_path, *SENTENCES],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def tokens() -> dict[str, dict[str, list[str]]]:
    config = yaml.safe_load((PROJECT_ROOT / "bot" / "config.yml").read_text(encoding="utf-8"))
    tokenizer = next(c for c in config["pipeline"] if c["name"] == "JiebaTokenizer")
    path = PROJECT_ROOT / tokenizer["dictionary_path"]
    assert path.is_dir(), "dictionary_path must be a directory"
    for word in DOMAIN_WORDS:
        assert any(word in f.read_text(encoding="utf-8") for f in path.iterdir()), word
    for name, word in GENERATED_FILE_WORDS.items():
        assert f"{word} " in (path / name).read_text(encoding="utf-8"), (name, word)
    return _tokenize(tokenizer["dictionary_path"])


def test_domain_words_are_not_split_with_the_project_dictionary(tokens: dict) -> None:
    for sentence, word in zip(SENTENCES, DOMAIN_WORDS):
        assert word in tokens["configured"][sentence], tokens["configured"][sentence]


def test_without_the_dictionary_jieba_splits_them(tokens: dict) -> None:
    plain = tokens["plain"]
    assert all(word not in plain[s] for s, word in zip(SENTENCES, DOMAIN_WORDS)), plain
