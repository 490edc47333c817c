"""Fonts by role: the configured order, and a clear failure when a role has no Chinese font."""

from __future__ import annotations

import pytest

from helpers.settings.errors import FontError
from helpers.settings.fonts import Face, resolve


def face(family, cjk=True, style="Regular", names=()):
    return Face(family, (family, *names), f"/fonts/{family}.otf", 0, style, cjk, family.replace(" ", "") + "-" + style)


def test_first_installed_family_of_the_list_wins():
    faces = [face("FandolFang"), face("Noto Serif CJK SC"), face("仿宋", names=("FangSong",))]
    choice = resolve("body", faces)
    assert choice.family == "仿宋"  # 仿宋_GB2312 is missing, 仿宋 is the next in _quarto.yml
    assert "仿宋_GB2312" in choice.reason


def test_a_family_without_chinese_glyphs_is_passed_over():
    faces = [face("FangSong", cjk=False), face("FandolFang")]
    choice = resolve("body", faces)
    assert choice.family == "FandolFang"
    assert "无中文字形" in choice.reason


def test_title_prefers_the_bold_cut_of_a_song_substitute():
    faces = [face("Noto Serif CJK SC", style="Regular"), face("Noto Serif CJK SC", style="Bold")]
    assert resolve("title", faces).style == "Bold"


def test_a_role_without_any_chinese_font_fails_clearly():
    with pytest.raises(FontError) as err:
        resolve("kai", [face("DejaVu Sans", cjk=False)])
    message = str(err.value)
    assert "kai" in message and "楷体" in message and "apt-get install" in message
