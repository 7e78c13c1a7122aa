"""The BM25 tokenizer: jieba with the user-dictionary directory, lower-casing, no punctuation or stopwords."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from knowledge_base.tokenizer import tokenize, user_dict_dir

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# A made-up compound that jieba's own dictionary cannot know; without a user dictionary it is split.
PROBE = "蓝鲸翠羽证"

_SNIPPET = """
import json, sys
from knowledge_base.tokenizer import tokenize, user_dict_dir
print(json.dumps({"dir": str(user_dict_dir()), "tokens": tokenize(sys.argv[1])}, ensure_ascii=False))
"""


def _tokenize_in_subprocess(text: str, dict_dir: Path | None) -> dict:
    env = dict(os.environ)
    env.pop("REXIAN_JIEBA_DICT_DIR", None)
    if dict_dir is not None:
        env["REXIAN_JIEBA_DICT_DIR"] = str(dict_dir)
    out = subprocess.run(
        [sys.executable, "-c", _SNIPPET, text],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_user_dictionary_directory_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "a_terms.txt").write_text("无关词条甲 5 n\n", encoding="utf-8")
    (tmp_path / "b_terms.txt").write_text(f"{PROBE} 100 n\n", encoding="utf-8")
    sentence = f"我想办理{PROBE}怎么弄"

    with_dict = _tokenize_in_subprocess(sentence, tmp_path)
    assert with_dict["dir"] == str(tmp_path)
    assert PROBE in with_dict["tokens"]

    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    without = _tokenize_in_subprocess(sentence, empty_dir)
    assert PROBE not in without["tokens"]  # the probe really needs the dictionary


def test_default_dictionary_dir_is_project_nlu_dicts(monkeypatch) -> None:
    monkeypatch.delenv("REXIAN_JIEBA_DICT_DIR", raising=False)
    assert user_dict_dir() == PROJECT_ROOT / "nlu" / "dicts"


def test_tokenize_lowercases_and_drops_punctuation_and_stopwords() -> None:
    tokens = tokenize("请问，ETC 怎么办理？！")
    assert "etc" in tokens
    assert "办理" in tokens
    assert not any(t in {"，", "？", "！", "请问", "怎么"} for t in tokens)
    assert all(t == t.lower() for t in tokens)


def test_tokenize_empty() -> None:
    assert tokenize("") == []
    assert tokenize("。，！？") == []
