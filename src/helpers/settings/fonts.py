"""Fonts by role, resolved from the ordered lists in ``_quarto.yml``.

Typst draws empty boxes (or Japanese glyph forms) for missing fonts without a
warning, so nianbao never trusts a family name: it indexes the installed font
files itself (fontTools), picks for each role the first configured family that
is installed *and* has the Chinese test glyphs, and after rendering checks the
fonts the PDF actually embedded (:func:`embedded_fonts`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from . import paths
from .config import FONT_ROLES, nianbao_settings
from .errors import FontError

ROLES = FONT_ROLES
ROLE_NAMES = {
    "title": "标题（小标宋）",
    "body": "正文（仿宋）",
    "hei": "一级标题（黑体）",
    "kai": "二级标题（楷体）",
    "page-number": "页码（宋体）",
    "chart": "图表",
}
_FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc"}


@dataclass(frozen=True)
class Face:
    """One face of an installed font file."""

    family: str  # the English (or first) family name, as typst and matplotlib match it
    names: tuple[str, ...]  # every family name in the file, Chinese ones included
    path: str
    index: int
    style: str
    cjk: bool
    postscript: str = ""


@dataclass(frozen=True)
class FontChoice:
    """The font serving one role, and why."""

    role: str
    family: str
    path: str
    index: int
    reason: str
    postscript: str = ""
    style: str = ""


def system_font_dirs() -> list[Path]:
    """The usual font folders of this operating system."""
    home = Path.home()
    if sys.platform.startswith("win"):
        windir = Path(os.environ.get("WINDIR", "C:/Windows"))
        local = Path(os.environ.get("LOCALAPPDATA", home))
        return [windir / "Fonts", local / "Microsoft" / "Windows" / "Fonts"]
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library" / "Fonts"]
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".fonts",
            home / ".local" / "share" / "fonts"]


def extra_font_dirs() -> list[Path]:
    """The folders named in ``_quarto.yml`` (relative ones from the project root)."""
    out = []
    for entry in nianbao_settings().get("font-dirs", []):
        p = Path(entry)
        out.append(p if p.is_absolute() else paths.ROOT / p)
    return out


def font_dirs() -> list[Path]:
    """Every folder searched for fonts, existing ones only."""
    return [d for d in (*extra_font_dirs(), *system_font_dirs()) if d.is_dir()]


def _font_files(dirs: list[Path]) -> list[Path]:
    files = []
    for d in dirs:
        for root, _dirs, names in os.walk(d):
            files.extend(Path(root) / n for n in names if Path(n).suffix.lower() in _FONT_SUFFIXES)
    return sorted(set(files))


def _faces_of(path: Path, test: str) -> list[Face]:
    from fontTools.ttLib import TTCollection, TTFont

    try:
        fonts = (
            TTCollection(str(path), lazy=True).fonts
            if path.suffix.lower() in (".ttc", ".otc")
            else [TTFont(str(path), lazy=True)]
        )
    except Exception:
        return []
    faces = []
    for index, font in enumerate(fonts):
        try:
            names = font["name"]
            english = names.getName(16, 3, 1, 0x409) or names.getName(1, 3, 1, 0x409)
            english = english or names.getName(1, 1, 0, 0)
            all_names = {
                str(rec.toUnicode()).strip()
                for rec in names.names
                if rec.nameID in (1, 16) and rec.platformID in (1, 3)
            }
            style = str(names.getName(17, 3, 1, 0x409) or names.getName(2, 3, 1, 0x409) or "")
            postscript = str(names.getName(6, 3, 1, 0x409) or names.getName(6, 1, 0, 0) or "")
            cmap = font.getBestCmap() or {}
            cjk = all(ord(ch) in cmap for ch in test)
        except Exception:
            continue
        family = str(english) if english else sorted(all_names)[0] if all_names else path.stem
        faces.append(
            Face(family, tuple(sorted(all_names | {family})), str(path), index, style, cjk, postscript)
        )
    return faces


def font_index() -> list[Face]:
    """Every installed face, read once and cached under ``output/.cache``."""
    test = nianbao_settings().get("cjk-test", "国家")
    files = _font_files(font_dirs())
    key = hashlib.sha256(
        json.dumps([test, *[f"{f}:{f.stat().st_mtime_ns}" for f in files]]).encode()
    ).hexdigest()[:16]
    cache = paths.CACHE_DIR / f"fonts-{key}.json"
    if cache.is_file():
        return [Face(**{**d, "names": tuple(d["names"])}) for d in json.loads(cache.read_text())]
    faces = [face for f in files for face in _faces_of(f, test)]
    from .outdir import atomic_file

    with atomic_file(cache) as tmp:
        tmp.write_text(json.dumps([asdict(f) for f in faces], ensure_ascii=False))
    return faces


def _regular_first(face: Face) -> tuple[int, int]:
    style = face.style.lower()
    return (0 if style in ("regular", "book", "normal", "") else 1 if "bold" in style else 2, face.index)


def resolve(role: str, faces: list[Face] | None = None) -> FontChoice:
    """Pick the font of ``role``: the first configured family installed with Chinese glyphs.

    Raises
    ------
    FontError
        When no family of the role's list is installed with Chinese glyphs.
    """
    wanted = nianbao_settings()["fonts"].get(role)
    if not wanted:
        raise FontError(f"_quarto.yml：nianbao.fonts.{role} 没有列出任何字体")
    faces = font_index() if faces is None else faces
    by_name: dict[str, list[Face]] = {}
    for face in faces:
        for name in face.names:
            by_name.setdefault(name.lower(), []).append(face)
    skipped = []
    for rank, family in enumerate(wanted):
        found = sorted(by_name.get(family.lower(), []), key=_regular_first)
        if role == "title":  # 小标宋 substitutes are the bold cuts of a 宋体
            found = sorted(found, key=lambda f: (0 if "bold" in f.style.lower() else 1, f.index))
        cjk = [f for f in found if f.cjk]
        if cjk:
            face = cjk[0]
            why = "首选字体" if rank == 0 else f"列表中第一款已安装的字体（{'、'.join(skipped)} 未安装）"
            return FontChoice(role, face.family, face.path, face.index, why, face.postscript, face.style)
        skipped.append(family if not found else f"{family}（无中文字形）")
    raise FontError(
        f"“{ROLE_NAMES.get(role, role)}”（{role}）没有可用的中文字体：{'、'.join(wanted)} 都没有安装。"
        "请安装其中一款（Debian 上：make system，或 apt-get install fonts-noto-cjk texlive-lang-chinese），"
        f"或在 _quarto.yml 的 nianbao.fonts.{role} 中加入已安装的字体"
    )


def resolve_all() -> dict[str, FontChoice]:
    """Resolve every role; raises :class:`FontError` for the first role without a font."""
    faces = font_index()
    return {role: resolve(role, faces) for role in ROLES}


def embedded_fonts(pdf: Path) -> list[str]:
    """Base names of the fonts a PDF embeds (subset prefixes removed)."""
    import re

    data = Path(pdf).read_bytes()
    names = set()
    for m in re.finditer(rb"/FontName\s*/([A-Za-z0-9+\-_.,#]+)", data):
        name = m.group(1).decode("latin-1")
        names.add(name.split("+", 1)[1] if "+" in name[:8] else name)
    return sorted(names)


def check_embedded(pdf: Path, choices: dict[str, FontChoice], roles: tuple[str, ...]) -> None:
    """Fail when the PDF does not embed the font chosen for each of ``roles``.

    Raises
    ------
    FontError
        Naming the role and the font that is missing from the PDF.
    """
    embedded = set(embedded_fonts(pdf))
    for role in roles:
        wanted = choices[role].postscript or choices[role].family.replace(" ", "")
        if wanted not in embedded:
            raise FontError(
                f"{pdf.name}：{ROLE_NAMES.get(role, role)}选用的字体 {choices[role].family} 没有嵌入 PDF"
                f"（已嵌入：{'、'.join(embedded_fonts(pdf))}），请运行 nianbao doctor 检查字体"
            )


@lru_cache(maxsize=1)
def _typst_names() -> dict[tuple[str, int], str]:
    import typst

    fonts = typst.Fonts(font_paths=[str(d) for d in font_dirs()]).fonts()
    return {(str(Path(f.path).resolve()), int(f.index)): f.family for f in fonts if f.path}


def typst_family(choice: FontChoice) -> str:
    """The family name under which typst knows the chosen face (e.g. ``FandolFang R``)."""
    return _typst_names().get((str(Path(choice.path).resolve()), choice.index), choice.family)
