"""Find an installed font that can show Chinese (``fc-list :lang=zh``) and register it with matplotlib."""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

#: Preferred families, best first (simplified-Chinese sans serif fonts read best on a chart).
PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "Noto Sans SC", "Droid Sans Fallback", "AR PL UMing CN", "Noto Serif CJK SC")


@dataclass(frozen=True)
class CJKFont:
    family: str
    path: Path


def installed_cjk_fonts() -> list[CJKFont]:
    """Fonts with Chinese coverage according to fontconfig; empty when fc-list is missing or finds none."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        out = subprocess.run([fc_list, "-f", "%{family[0]}|%{file}\n", ":lang=zh"], capture_output=True,
                             text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        logger.warning("fc-list failed", exc_info=True)
        return []
    fonts = []
    for line in out.splitlines():
        family, _, path = line.partition("|")
        if family and path:
            fonts.append(CJKFont(family.strip(), Path(path.strip())))
    return fonts


def choose(fonts: list[CJKFont]) -> CJKFont | None:
    """The preferred family if installed, else the first sans font, else any."""
    if not fonts:
        return None
    # Several files per family (Regular, Bold…): keep the regular weight when there is one.
    by_family: dict[str, CJKFont] = {}
    for f in sorted(fonts, key=lambda f: ("regular" not in f.path.name.lower(), str(f.path))):
        by_family.setdefault(f.family, f)
    for family in PREFERRED:
        if family in by_family:
            return by_family[family]
    sans = [f for f in fonts if "sans" in f.family.lower() or "hei" in f.family.lower()]
    return (sans or fonts)[0]


def use_cjk_font() -> str | None:
    """Register a CJK font with matplotlib and make it the default; the family, or ``None`` when none works."""
    from matplotlib import font_manager, rcParams

    font = choose(installed_cjk_fonts())
    if font is None:
        return None
    try:
        font_manager.fontManager.addfont(str(font.path))
        known = {entry.name for entry in font_manager.fontManager.ttflist}
        # A recent matplotlib knows every face of a .ttc collection (…CJK SC as well as …CJK JP); an older
        # one only the first face, which still covers the Chinese characters.
        family = font.family
        if family not in known:
            family = font_manager.FontProperties(fname=str(font.path)).get_name()
    except (OSError, RuntimeError, ValueError):
        logger.warning("cannot load font %s", font.path, exc_info=True)
        return None
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [family, *rcParams["font.sans-serif"]]
    rcParams["axes.unicode_minus"] = False
    return family
