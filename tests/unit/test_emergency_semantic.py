"""The semantic safety net under the emergency rules (nlu/emergency_semantic.py), with the real e5 embedder."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlu.emergency import EmergencyKind
from nlu.emergency_semantic import DATA_FILE, EmergencyRecogniser, load_examples, load_model, train

TINY = {
    "emergency": {
        "fire": ["楼道里全是烟，门缝往里冒烟", "厨房烧起来了火很大", "对面楼窗户里有火苗往外窜", "车库里一辆车烧起来了"],
        "medical": ["我爸突然倒在地上叫不醒", "有人在地铁站口吐白沫抽搐", "老人摔倒后一动不动没有呼吸", "孩子被开水烫了一大片起泡"],
        "self_harm": ["我不想活了，药都准备好了", "我站在楼顶边上，想跳下去", "活着太累了今晚就想结束", "我把东西都送人了，跟大家告别"],
    },
    "not_emergency": ["小区门口的路灯坏了", "公积金怎么提取", "楼上装修太吵了", "去年着火的那栋楼修好了吗",
                      "灭火器在哪里买", "社保断缴怎么办", "气死我了物业不管事", "居住证怎么办理", "垃圾好几天没人收",
                      "想问一下120救护车怎么收费", "笑死我了这个政策", "孩子上学报名要什么材料"],
}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    path = tmp_path_factory.mktemp("emergency") / "examples.yml"
    path.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    return train(path)


def test_the_examples_load_with_their_kinds(tmp_path: Path) -> None:
    path = tmp_path / "examples.yml"
    path.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    texts, labels, kinds = load_examples(path)
    assert len(texts) == 24 and sum(labels) == 12 and set(kinds) == {"", "fire", "medical", "self_harm"}


def test_an_unknown_kind_in_the_data_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "examples.yml"
    path.write_text(yaml.safe_dump({"emergency": {"earthquake": ["地震了"]}}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError):
        load_examples(path)


def test_the_model_reads_meaning_the_rules_do_not_know(tiny_model) -> None:  # noqa: ANN001
    recogniser = EmergencyRecogniser(tiny_model, threshold=0.5)
    danger, kind = recogniser.probability("我妈突然晕过去了，怎么喊都没反应")
    calm, _ = recogniser.probability("请问小区垃圾分类怎么投放")
    assert danger > calm
    assert kind is EmergencyKind.MEDICAL


def test_the_rules_answer_first_with_their_evidence(tiny_model) -> None:  # noqa: ANN001
    found = EmergencyRecogniser(tiny_model, threshold=0.99)("我家楼道着火了！")
    assert found is not None and found.kind is EmergencyKind.FIRE and not found.evidence.startswith("semantic")


@pytest.mark.parametrize("text", ["我妈突然晕过去了，怎么喊都没反应", "小区门口的路灯坏了", "我家楼道着火了！"])
def test_a_threshold_above_every_probability_leaves_the_rules_alone(tiny_model, text: str) -> None:  # noqa: ANN001
    from nlu.emergency import assess_emergency

    assert EmergencyRecogniser(tiny_model, threshold=1.01)(text) == assess_emergency(text)


def test_buttons_and_empty_messages_are_never_embedded(tiny_model) -> None:  # noqa: ANN001
    recogniser = EmergencyRecogniser(tiny_model, threshold=0.0)
    assert recogniser("") is None and recogniser("/ask_human") is None


@pytest.mark.skipif(not DATA_FILE.is_file(), reason="the project's examples file is missing")
def test_the_shipped_model_separates_the_shipped_examples() -> None:
    model = load_model()
    texts, labels, _ = load_examples()
    from nlu.emergency_semantic import embed

    from nlu.emergency_semantic import THRESHOLD

    probability, _ = model.scores(embed(texts))
    emergencies = [p for p, y in zip(probability, labels, strict=True) if y]
    others = [p for p, y in zip(probability, labels, strict=True) if not y]
    # Fitted on them (regularised, so not perfectly): the safety net must at least hold there.
    assert sum(p >= 0.5 for p in emergencies) >= 0.95 * len(emergencies)
    assert sum(p >= THRESHOLD for p in others) <= 0.02 * len(others)
