"""Build ``data/appeals_seed.jsonl`` from the project's own topic material (``data/topics.yml``).

Each topic gives situations (``p``), questions (``q``), suggestions (``s``) and help requests (``h``); this module
wraps them in the ways citizens actually open a hotline message (greetings, background, "请问", "我要投诉",
"麻烦帮忙", "建议"), with colloquial endings and a few common typos, so that every topic appears under all four
appeal types and the classifier learns the *framing*, not the topic. Deterministic (fixed seed).

Run ``python -m nlu.appeal.seed_builder`` to rewrite the JSONL after editing ``topics.yml``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

from nlu.appeal.types import COMPLAINT, CONSULT, HELP, SUGGEST

DATA_DIR = Path(__file__).resolve().parent / "data"
TOPICS_FILE = DATA_DIR / "topics.yml"
SEED_FILE = DATA_DIR / "appeals_seed.jsonl"

PER_TOPIC_PER_TYPE = 14
_SEED = 12345

GREETINGS = ["", "", "", "你好，", "您好，", "领导好，", "你好 ", "12345你好，", "喂，你好，", "各位领导好，", "您好！"]
BACKGROUNDS = [
    "",
    "",
    "我是幸福里小区的居民，",
    "我住在建设路那边，",
    "我是外地来这边打工的，",
    "我今年六十多了，",
    "我家有两个孩子，",
    "本人在城南新区上班，",
    "我是东湖街道的，",
    "我们是滨河花园的业主，",
    "我是一名退休职工，",
    "我是刚毕业的大学生，",
    "我家住在光明村，",
    "我们一家是前年搬过来的，",
]
TIMES = ["", "最近", "最近一段时间", "这一个多月", "从上周开始", "已经半年多了，", "这几天", "今年以来", "每天晚上"]
HELP_ASKS = [
    "麻烦帮忙协调一下",
    "请尽快派人处理",
    "希望有关部门帮帮我们",
    "能不能帮忙解决一下",
    "求帮忙",
    "麻烦尽快安排人来看看",
    "盼尽快解决",
    "请帮忙联系一下相关部门",
    "希望能帮我们想想办法",
    "麻烦你们帮帮忙，谢谢了",
    "现在不知道该怎么办，求助",
    "希望政府能帮我一把",
]
DEMANDS = [
    "要求相关部门严肃处理",
    "请相关部门尽快查处",
    "希望给个说法",
    "强烈要求整改",
    "请依法处理",
    "请有关部门管一管",
    "希望尽快解决",
    "要求追究责任",
    "希望相关部门重视",
    "请求查处",
]
ESCALATIONS = [
    "找过物业和社区好几次都没用",
    "打了好几次电话都没人管",
    "之前反映过一直没解决",
    "相关部门互相推诿",
    "已经严重影响了我们的正常生活",
    "跟他们沟通了很多次，态度很恶劣",
    "问题一直拖着没人处理",
]
BENEFITS = [
    "方便老百姓办事",
    "这样能减少很多麻烦",
    "对大家都好",
    "群众会更满意",
    "也能减轻工作人员的压力",
    "希望采纳",
    "希望领导考虑一下",
    "这样更人性化",
    "让老百姓少跑腿",
]
CONSULT_ENDS = ["", "", "谢谢", "，谢谢！", "，麻烦告知一下", "，急用", "，希望能给个明确答复", "，在哪里能查到相关政策"]

CONSULT_TEMPLATES = [
    "{g}请问{q}？",
    "{g}想咨询一下，{q}？{end}",
    "{g}我想问一下{q}{end}",
    "{b}{q}？麻烦告诉我一下，谢谢",
    "{q}？",
    "{q}啊",
    "{g}{b}想了解一下{q}，需要准备什么，去哪里办？",
    "请问一下{q}，还有{q2}？",
    "我想知道{q}{end}",
    "{g}咨询：{q}",
    "能不能告诉我{q}{end}",
    "{g}{b}现在不太清楚{q}，希望能给个答复，谢谢！",
    "问下{q}",
    "{q}，{q2}？",
    "{g}{b}{q}？我在网上查了半天也没找到，{q2}？",
    "{g}请问{p}这种情况应该找哪个部门？",
    "{g}打听一下，{q}",
    "{g}{b}{p}，想问一下{q}？",
    "{g}{b}{t}{p}，想咨询一下这种情况{q}，谢谢",
    "{b}我想了解一下相关政策，{q}？{q2}？希望能详细解答",
    "{b}请教一下{q}，有什么政策规定吗{end}",
]
HELP_TEMPLATES = [
    "{g}{p}，{ask}",
    "{h}",
    "{g}{p}，{h}",
    "{g}{b}{t}{p}，实在没办法了，{ask}",
    "{g}{b}{p}，而且{p2}，{ask}",
    "{g}{t}{p}，希望有关部门能帮我们解决一下，{h}",
    "求助！{p}，{ask}",
    "{p}，能不能帮帮忙",
    "{p}。{h}，谢谢了",
    "{g}{b}{h}",
    "{g}{p}，现在不知道该找谁，{ask}",
    "{b}{t}{p}，{h}！",
    "急！{h}",
    "{g}{p}，{ask}，{h}",
]
COMPLAINT_TEMPLATES = [
    "{g}我要投诉，{p}，{demand}",
    "举报：{p}，{demand}",
    "{g}我要反映一个问题，{p}，{esc}，{demand}",
    "{p}！！{demand}！",
    "{g}{b}{t}{p}，{esc}。{demand}",
    "实名举报，{p}，{demand}",
    "投诉{p}",
    "{p}，这种行为太过分了，{demand}",
    "{p}，有没有人管管",
    "{g}反映一下，{p}，{esc}，{demand}",
    "{b}我要举报，{p}，请相关部门来查一查",
    "{g}{p}，{esc}，我要投诉",
    "{g}{t}{p}，{esc}，严重影响生活，{demand}",
    "{g}{b}{p}，而且{p2}，{esc}，{demand}",
    "{b}{t}{p}。{esc}，希望有关部门尽快处理，给我们一个答复",
    "{g}{p}，{esc}，这个问题到底有没有人管？",
    "{p}",
    "{g}{b}{t}{p}",
    "{g}{p}，{esc}",
]
SUGGEST_TEMPLATES = [
    "建议{s}",
    "{g}我有个建议，{s}",
    "希望能{s}",
    "{g}提个建议：{s}，{benefit}",
    "{g}{b}觉得{s}会更好，{benefit}",
    "关于这方面提几点建议：1.{s}；2.{s2}。",
    "{s}，这样{benefit}",
    "能否{s}，{benefit}",
    "呼吁{s}",
    "{p}，建议{s}",
    "我认为应该{s}",
    "强烈建议{s}！",
    "{g}{b}建议有关部门{s}，{benefit}",
    "{g}现在{p2}，希望{s}",
    "建议：{s}",
    "{g}{b}希望相关部门{s}，{benefit}",
    "{g}{b}{p}，建议{s}，{benefit}",
    "{g}关于{p}的问题，提一点建议，{s}",
    "{g}{b}我觉得应该{s}，{s2}，{benefit}",
]

TYPOS = [
    ("在", "再"),
    ("已经", "以经"),
    ("反映", "反应"),
    ("现在", "现再"),
    ("麻烦", "麻凡"),
    ("怎么", "咋"),
    ("什么", "啥"),
    ("的", "得"),
    ("一下", "一哈"),
    ("没有", "没得"),
    ("需要", "须要"),
]
_PUNCT = "，。？！；：、"


def _roughen(text: str, rng: random.Random) -> str:
    """Typos, missing punctuation and colloquial endings, as citizens actually type."""
    roll = rng.random()
    if roll < 0.18:
        src, dst = rng.choice(TYPOS)
        if src in text:
            text = text.replace(src, dst, 1)
    roll = rng.random()
    if roll < 0.08:
        text = "".join(" " if ch in _PUNCT else ch for ch in text).strip()
    elif roll < 0.16:
        text = text.replace("，", ",").replace("？", "?").replace("！", "!")
    if rng.random() < 0.08:
        text = text.rstrip("。！!") + rng.choice(["，急急急", "！！", "。。。", "啊", "呢", "吧", "，谢谢"])
    return text.replace("，，", "，").replace("。，", "，").replace("？，", "，").strip("， ")


def _fill(template: str, topic: dict, rng: random.Random, pool_p: list[str]) -> str | None:
    """Fill one template from ``topic``; ``None`` when the topic lacks what the template needs."""
    q = list(topic.get("q") or [])
    p = list(topic.get("p") or [])
    s = list(topic.get("s") or [])
    h = list(topic.get("h") or [])
    needs = {
        "{q}": q, "{q2}": q[1:] if len(q) > 1 else [],
        "{p}": p, "{p2}": pool_p, "{s}": s, "{s2}": s[1:] if len(s) > 1 else [], "{h}": h,
    }
    for slot, items in needs.items():
        if slot in template and not items:
            return None
    q1, q2 = (rng.sample(q, 2) if len(q) > 1 else (q[0] if q else "", ""))
    p1, p2 = (rng.sample(p, 2) if len(p) > 1 else (p[0] if p else rng.choice(pool_p), rng.choice(pool_p)))
    s1, s2 = (rng.sample(s, 2) if len(s) > 1 else (s[0] if s else "", ""))
    values = {
        "g": rng.choice(GREETINGS),
        "b": rng.choice(BACKGROUNDS),
        "t": rng.choice(TIMES),
        "q": q1,
        "q2": q2,
        "p": p1,
        "p2": p2,
        "s": s1,
        "s2": s2,
        "h": rng.choice(h) if h else "",
        "ask": rng.choice(HELP_ASKS),
        "demand": rng.choice(DEMANDS),
        "esc": rng.choice(ESCALATIONS),
        "benefit": rng.choice(BENEFITS),
        "end": rng.choice(CONSULT_ENDS),
    }
    return template.format(**values)


def build_seed(topics_file: Path = TOPICS_FILE, per_topic: int = PER_TOPIC_PER_TYPE) -> list[dict]:
    """All seed examples ``{text, appeal_type, category}`` (category ``""`` for topics outside the tree)."""
    rng = random.Random(_SEED)
    topics = yaml.safe_load(topics_file.read_text(encoding="utf-8"))["topics"]
    pool_p = [p for t in topics for p in (t.get("p") or [])]
    plan = [
        (CONSULT, CONSULT_TEMPLATES),
        (HELP, HELP_TEMPLATES),
        (COMPLAINT, COMPLAINT_TEMPLATES),
        (SUGGEST, SUGGEST_TEMPLATES),
    ]
    rows: list[dict] = []
    seen: set[str] = set()
    for topic in topics:
        category = topic.get("category") or ""
        count = per_topic * (2 if not category else 1)
        for label, templates in plan:
            made, attempts = 0, 0
            while made < count and attempts < count * 20:
                attempts += 1
                text = _fill(rng.choice(templates), topic, rng, pool_p)
                if not text:
                    continue
                text = _roughen(text, rng)
                if text in seen:
                    continue
                seen.add(text)
                rows.append({"text": text, "appeal_type": label, "category": category})
                made += 1
    return rows


def write_seed(path: Path = SEED_FILE) -> int:
    rows = build_seed()
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


if __name__ == "__main__":
    print(f"写入 {write_seed()} 条 → {SEED_FILE}")
