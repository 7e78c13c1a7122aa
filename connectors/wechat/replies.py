"""The bot's replies as WeChat messages: one passive reply, or customer-service messages (text and ``msgmenu``),
within WeChat's length limit, with the bot's buttons as numbered options."""
from __future__ import annotations

from dataclasses import dataclass, field

from connectors.push import PushMessage
from connectors.wechat.options import Option, numbered

#: WeChat refuses a text (passive reply or customer-service message) longer than 2048 bytes; keep a margin.
MAX_TEXT_BYTES = 2000
#: A msgmenu's head and items are short; a longer head goes out as text first.
MAX_MENU_HEAD_BYTES = 600
MAX_MENU_ITEMS = 10

CHOOSE_HINT = "请回复序号选择："
MENU_HEAD = "请选择："
MENU_TAIL = "点击选项，或直接回复序号。"


@dataclass(frozen=True)
class TextOut:
    text: str


@dataclass(frozen=True)
class MenuOut:
    head: str
    options: list[tuple[str, str]]   # (item id = the option's number, title)
    tail: str = MENU_TAIL


Outgoing = TextOut | MenuOut


@dataclass
class Rendered:
    """What to send, and the options it offers (to remember for reading the answer back)."""

    passive: str = ""                                   # the passive reply ("" = nothing passively)
    follow_up: list[Outgoing] = field(default_factory=list)  # customer-service messages after it
    options: list[Option] = field(default_factory=list)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """``text`` in pieces of at most ``limit`` UTF-8 bytes, cut at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while _size(line) > limit:  # a single over-long line: cut it by characters
            head = ""
            for char in line:
                if _size(head + char) > limit:
                    break
                head += char
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
            line = line[len(head):]
        if _size(current + line) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current:
        pieces.append(current)
    return [p.strip("\n") for p in pieces if p.strip()]


def _listed(text: str, option: Option) -> bool:
    """Whether the bot's text already numbers this option ("1. …"), as did-you-mean does."""
    return f"{option.number}. {option.title}" in text or f"{option.number}.{option.title}" in text


def _choices(buttons_message: PushMessage | None) -> list[Option]:
    return numbered(buttons_message.buttons) if buttons_message else []


def _with_numbers(text: str, options: list[Option]) -> str:
    """The text with the options it does not number itself added as "n. title" lines."""
    missing = [o for o in options if not _listed(text, o)]
    if not missing:
        return text
    lines = "\n".join(f"{o.number}. {o.title}" for o in missing)
    if len(missing) < len(options):  # the text numbers the others and says how to answer
        return f"{text}\n{lines}"
    return f"{text}\n\n{CHOOSE_HINT}\n{lines}" if text else f"{CHOOSE_HINT}\n{lines}"


def _last_with_buttons(messages: list[PushMessage]) -> PushMessage | None:
    return next((m for m in reversed(messages) if m.buttons), None)


def menu_as_text(menu: MenuOut) -> list[str]:
    """A msgmenu WeChat refused, as numbered text."""
    lines = "\n".join(f"{number}. {title}" for number, title in menu.options)
    return split_text(f"{menu.head}\n\n{CHOOSE_HINT}\n{lines}")


def as_text(messages: list[PushMessage]) -> tuple[list[str], list[Option]]:
    """The replies as text pieces (the last buttons numbered) and the options they offer."""
    chooser = _last_with_buttons(messages)
    options = _choices(chooser)
    texts = [_with_numbers(m.text, options) if m is chooser else m.text for m in messages]
    return split_text("\n\n".join(t for t in texts if t)), options


def passive(messages: list[PushMessage]) -> Rendered:
    """One passive reply (numbered options) and, when the answer is longer, customer-service texts after it."""
    pieces, options = as_text(messages)
    if not pieces:
        return Rendered(options=options)
    return Rendered(pieces[0], [TextOut(p) for p in pieces[1:]], options)


def customer_service(messages: list[PushMessage]) -> Rendered:
    """Customer-service messages: texts, and the last buttons as a ``msgmenu`` (numbered, so typing works too)."""
    chooser = _last_with_buttons(messages)
    options = _choices(chooser)
    if chooser is None or not options or len(options) > MAX_MENU_ITEMS:
        pieces, options = as_text(messages)
        return Rendered("", [TextOut(p) for p in pieces], options)
    at = max(i for i, m in enumerate(messages) if m.buttons)
    before = [m.text for m in messages[:at] if m.text]
    after = [m.text for m in messages[at + 1:] if m.text]
    head = chooser.text
    if _size(head) > MAX_MENU_HEAD_BYTES:
        before.append(head)
        head = MENU_HEAD
    out: list[Outgoing] = [TextOut(p) for p in split_text("\n\n".join(before))]
    out.append(MenuOut(head or MENU_HEAD, [(str(o.number), o.title) for o in options]))
    out.extend(TextOut(p) for p in split_text("\n\n".join(after)))
    return Rendered("", out, options)
