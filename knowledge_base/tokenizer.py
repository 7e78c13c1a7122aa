"""Chinese word tokenizer for the knowledge base's BM25 side.

jieba with every file of the project's user-dictionary directory (``nlu/dicts/``) loaded once per process, so domain
terms such as 居住证 or 公积金 stay whole. ``jieba.dict_dir`` (``REXIAN_JIEBA_DICT_DIR``) points at another directory
(tests, deployments with their own terms). Tokens are lower-cased; punctuation, whitespace and a small list of function words are dropped.
"""
from __future__ import annotations

import logging
import threading
import unicodedata
from pathlib import Path

import jieba

from configuration import load_config

logger = logging.getLogger(__name__)


# Function words and question particles that carry no topic. Kept short on purpose: over-eager stopword lists hurt
# recall on short citizen questions.
STOPWORDS: frozenset[str] = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 哦 嘛 么 着 过 地 得 和 与 及 或 或者 以及 而 并 也 都 就 还 又 再 很 太 更 最
    是 在 有 没 没有 不 被 把 将 对 从 向 给 让 于 为 为了 因为 所以 如果 但是 但 而且 然后 那么 这样 那样
    我 我们 你 你们 您 他 她 它 他们 她们 咱 咱们 自己 这 那 这个 那个 这些 那些 这里 那里 此 其 该
    请问 请 问 一下 一个 一些 什么 怎么 怎么样 怎样 如何 哪里 哪儿 哪个 哪些 多少 几 是否 是不是 能否 能不能
    可以 可 能 会 要 想 需要 应该 应当 谢谢 你好 您好 麻烦
    """.split()
)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_loaded_dir: Path | None = None


def user_dict_dir() -> Path:
    """The jieba user-dictionary directory in force: ``jieba.dict_dir`` (``REXIAN_JIEBA_DICT_DIR``), by default
    ``<project>/nlu/dicts``."""
    return load_config().jieba.dict_dir


def _dict_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and not p.name.startswith("."))


def _build_tokenizer(directory: Path) -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    files = _dict_files(directory)
    for path in files:
        try:
            tok.load_userdict(str(path))
        except Exception as exc:  # a broken file must not take the KB down; say which one
            logger.warning("jieba user dictionary %s not loaded: %s", path, exc)
    logger.info("jieba: %d user-dictionary file(s) loaded from %s", len(files), directory)
    return tok


def get_jieba() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer with the user dictionaries loaded (built on first use)."""
    global _tokenizer, _loaded_dir
    directory = user_dict_dir()
    with _lock:
        if _tokenizer is None or _loaded_dir != directory:
            _tokenizer = _build_tokenizer(directory)
            _loaded_dir = directory
        return _tokenizer


def _is_content(token: str) -> bool:
    """False for tokens made only of punctuation, symbols or whitespace."""
    for ch in token:
        cat = unicodedata.category(ch)
        if cat[0] in "LN":
            return True
    return False


def tokenize(text: str) -> list[str]:
    """Split ``text`` into lower-cased content words (jieba + user dictionaries, no punctuation, no stopwords)."""
    if not text:
        return []
    normalised = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for token in get_jieba().lcut(normalised, HMM=True):
        token = token.strip()
        if token and token not in STOPWORDS and _is_content(token):
            out.append(token)
    return out
