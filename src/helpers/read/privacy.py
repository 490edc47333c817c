"""Personal data never echoed: ID numbers and mobile numbers masked wherever a value is quoted.

Casework ledgers carry 姓名, 身份证号 and 联系电话. Their columns are dropped on
reading, but a value can still stand where it should not — a misaligned
column, a name typed into 承办单位 — and a message, ``rejected.csv`` or
``reading.csv`` that quotes it would carry it out. :func:`mask` hides every
ID-number-like and mobile-number-like run in a text (3415**********123X,
139****1234); :class:`Personal` also hides the values the sheet's own personal
columns hold (a petitioner's name quoted from another column).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# 18-digit ID numbers (last may be X), 15-digit old ones; mobiles 1[3-9]x xxxx xxxx, with or without +86.
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{4})(\d{10}|\d{7})(\d{3}[\dXx]|\d)(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
HIDDEN = "（已隐去个人信息）"
# The common surnames (about nine in ten people bear one) and the endings of what is not a person's name.
_SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
                "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶"
                "黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_NOT_A_NAME = re.compile(r"(?:局|委|办|院|所|中心|站|队|会|部|厅|处|科|室|组|区|县|市|省|镇|乡|街道|村|社区|公司|馆|校|"
                         r"学|府|庭|信|访|电话|服务|救助|管理|问题|满意|是|否|无|上|左)$")
_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def looks_like_name(text: str) -> bool:
    """Whether a cell reads like a person's name (王某某, 李娜): a common surname, 2–4 hanzi, no office ending."""
    text = str(text).strip()
    return bool(_NAME.match(text)) and text[0] in _SURNAMES and not _NOT_A_NAME.search(text)


def _id(m: re.Match[str]) -> str:
    whole = m.group(0)
    if len(whole) not in (15, 18):
        return whole
    return whole[:4] + "*" * (len(whole) - 8) + whole[-4:]


def mask(text: str) -> str:
    """``text`` with ID numbers and mobile numbers masked.

    Examples
    --------
    >>> mask("身份证341523199001011234，电话13912341234")
    '身份证3415**********1234，电话139****1234'
    """
    if not text or not any(ch.isdigit() for ch in text):
        return text
    text = _ID.sub(_id, text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


class Personal:
    """The personal values of a data folder (names, ID and phone numbers), to hide wherever echoed.

    Built in the read step from the columns whose header names personal data;
    kept in memory only, never pickled (:meth:`__getstate__` drops them).
    """

    def __init__(self, names: bool = False) -> None:
        self.values: set[str] = set()
        self.names = names  # whether a name-like value is hidden too (a table that carries personal data)
        self._longest: int | None = None

    def add(self, values: Iterable[str]) -> None:
        """Remember personal values (two characters or more; not an office's name typed in the wrong column)."""
        new = {str(v).strip() for v in values if v is not None and len(str(v).strip()) >= 2}
        new = {v for v in new if not (_NOT_A_NAME.search(v) and not any(ch.isdigit() for ch in v))}
        if new - self.values:
            self.values |= new
            self._longest = None

    def hide(self, text: str) -> str:
        """``text`` masked (:func:`mask`), and :data:`HIDDEN` when it holds a remembered personal value.

        Every stretch of the text is looked up in the set of values (a ledger of a
        million petitions remembers millions of values: no pattern is built of them).
        """
        text = mask(str(text))
        if self.names and looks_like_name(text):
            return HIDDEN
        if not self.values or not text:
            return text
        if self._longest is None:
            self._longest = max(map(len, self.values))
        n = len(text)
        for size in range(2, min(n, self._longest) + 1):
            if any(text[i:i + size] in self.values for i in range(n - size + 1)):
                return HIDDEN
        return text

    def for_table(self, personal_table: bool) -> Personal:
        """The same remembered values; name-like values hidden too when the table carries personal data."""
        out = Personal(names=personal_table)
        out.values = self.values
        return out

    def __getstate__(self) -> dict:
        return {"values": set(), "names": self.names, "_longest": None}
