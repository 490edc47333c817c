"""The table registry: the tables of ``shared/data-contract.md``, declared once.

Each :class:`Table` says which files hold it, its columns with their Chinese
aliases and kinds, which column is a unique key, and whether it may carry
personal data. Reading, validation, cache keys and the inputs of a report all
come from :data:`TABLES`; adding a ledger table means adding one entry here
(and its checks, if any, in :mod:`helpers.read.ledgers`).

Activity categories are configuration (``config/categories.yml``), so that
analysts can add the spellings their office uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

UNIT_ID_PATTERN = r"[a-z0-9-]{1,40}"

# File endings a table may be read from, in order of preference.
SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".xlsm", ".xls", ".txt", ".tsv")
# Of those, the text exports (CSV, and Excel's or WPS's "Unicode 文本", tab-separated).
TEXT_SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".tsv")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Attributes
    ----------
    name : str
        Canonical name (also the header a file may use).
    aliases : tuple of str
        Chinese headers that mean the same column.
    required : bool
        Whether a row without a value is set aside (and a file without the column stops).
    kind : str
        ``text``, ``date``, ``int`` (a count, ``15人`` reads as 15), ``bool`` (是/否,
        √/×), ``unit`` (a unit id or name), ``url``.
    ticks : tuple of str
        For a choice that offices keep as tick columns (满意 / 基本满意 / 不满意):
        the headers of those columns, each also the value it stands for.
    choices : tuple of str
        Where the values of the column's drop-down list in a ledger template
        (``nianbao init``) come from, in order: a list of ``config/rules.yml``
        by its dotted path (``casework.channels``), ``first:<path>`` for the
        first word of such a list (``first:reading.none_words``: 无),
        ``categories`` for the activity categories (``config/categories.yml``:
        other spellings may be typed). A ``bool`` column always offers the
        first yes and no words, and a counted table's ``category`` the kinds it
        counts (its section of ``config/rules.yml``).
    """

    name: str
    aliases: tuple[str, ...]
    required: bool = False
    kind: str = "text"
    ticks: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How people call the column: its first Chinese alias (the header a template writes)."""
        return self.aliases[0] if self.aliases else self.name

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every header that means this column."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Table:
    """One ledger table.

    Attributes
    ----------
    name : str
        Canonical name, also the file stem (``casework.xlsx``).
    title : str
        Chinese title, as users call the ledger.
    required : bool
        Whether a data folder must hold it.
    columns : tuple of Column
    key : tuple of str
        Columns unique per unit when given.
    personal : bool
        Whether the table may carry personal data in extra columns: its cell
        values are never quoted in a message unless they are the contract's own.
    prefix : str
        The prefix of the indicators computed from the table (``activity``).
    date_column : str
        The column that dates a record (the years and periods a table reaches); empty when none does.
    sheet : str
        The table's sheet in the 核对表 (``evidence.xlsx``), and how a report calls its subject (纪律教育).
    counted : bool
        A table of activities counted kind by kind: its ``category`` column is read as the codes of
        the ``categories`` under its prefix in ``config/rules.yml``, its figures are each kind's count
        and their total (同比, 环比), its sentence ``{text.<prefix>}`` and its problem finder
        ``<prefix>`` (the ``minimums`` there) come with it. Such a table needs nothing but its entry here
        and its section of the rules.
    """

    name: str
    title: str
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default=())
    personal: bool = False
    prefix: str = ""  # the indicators computed from it: ``casework`` for casework.total …
    date_column: str = ""
    sheet: str = ""
    counted: bool = False

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        return next(c for c in self.columns if c.name == name)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        """The columns a file must have."""
        return tuple(c for c in self.columns if c.required)

    def file_names(self) -> tuple[str, ...]:
        """The file names this table may be read from."""
        return tuple(f"{self.name}{s}" for s in SUFFIXES)

    def owns_file(self, name: str) -> bool:
        """Whether a file belongs to this table: its name starts with the table's name or its Chinese name.

        ``casework-2023.xlsx``, ``信访台账（2023年）.xlsx`` and ``活动台账2024.xls`` are
        parts of their tables; WPS's lock files (``~$…``) are not.
        """
        stem, dot, suffix = name.rpartition(".")
        if not dot or f".{suffix.lower()}" not in SUFFIXES or name.startswith(("~$", ".")):
            return False
        key = header_key(stem)
        return key.startswith(self.name) or key.startswith(header_key(self.title))


UNITS = Table(
    "units",
    "单位名录",
    True,
    (
        Column("unit_id", ("单位代码",), True),
        Column("unit_name", ("单位名称",), True),
        Column("party_org", ("党组织名称",)),
        Column("recipient", ("主送机关",)),
        Column("aliases", ("简称", "别名", "单位简称")),
    ),
)

ACTIVITIES = Table(
    "activities",
    "活动台账",
    True,
    (
        Column("activity_id", ("编号",)),
        Column("unit", ("单位",), True, "unit"),
        Column("date", ("日期", "活动日期", "开展日期"), True, "date"),
        Column("category", ("类别", "活动类别", "活动类型"), True, choices=("categories",)),
        Column("title", ("主题", "活动主题")),
        Column("participants", ("参加人数", "参会人数", "人数"), False, "int"),
    ),
    key=("activity_id",),
    prefix="activity",
    date_column="date",
    sheet="组织生活",
)

CASEWORK = Table(
    "casework",
    "信访台账",
    True,
    (
        Column("case_id", ("信访编号",), True),
        Column("unit", ("承办单位", "单位", "办理单位"), True, "unit"),
        Column("received_date", ("收到日期", "登记日期", "来信来访日期", "收到时间", "登记时间"), True, "date"),
        Column("channel", ("信访形式", "信访方式", "来访形式"), choices=("casework.channels",)),
        Column("category", ("问题类别", "问题类型", "信访类别")),
        Column("replied_date", ("答复日期", "回复日期", "答复时间", "回复时间"), False, "date"),
        Column("extended", ("是否延期", "延期", "是否延期办理", "延期办理"), False, "bool"),
        Column("escalation", ("越级情况", "是否越级", "越级", "越级上访情况", "越级信访情况"),
               choices=("first:reading.none_words", "casework.escalation_levels")),
        Column("satisfaction", ("满意度", "满意度评价", "群众满意度"), ticks=("满意", "基本满意", "不满意"),
               choices=("casework.rated",)),
        # 信访工作条例 figures, each stated only where its column is kept (issue: the 信访 report)
        Column("accepted_date", ("受理日期", "告知日期", "受理告知日期", "受理时间", "书面告知日期"), False, "date"),
        Column("closed_date", ("办结日期", "办结时间"), False, "date"),  # when it differs from the reply
        Column("repeat", ("是否重复", "是否重复信访", "重复信访", "重复件"), False, "bool"),
        Column("review", ("复查复核", "复查复核情况", "复查/复核", "复查复核申请")),
    ),
    key=("case_id",),
    personal=True,
    prefix="casework",
    date_column="received_date",
    sheet="信访",
)

PUBLICITY = Table(
    "publicity",
    "宣传报道",
    False,
    (
        Column("unit", ("单位",), True, "unit"),
        Column("date", ("刊发日期", "日期", "发布日期", "刊登日期"), True, "date"),
        Column("outlet", ("媒体名称", "媒体", "刊发媒体", "发布媒体"), True),
        Column("level", ("媒体级别",), choices=("publicity.levels",)),
        Column("title", ("标题", "稿件标题")),
        Column("url", ("链接", "网址"), False, "url"),
    ),
    prefix="publicity",
    date_column="date",
    sheet="宣传",
)

COVERAGE = Table(
    "coverage",
    "村（社区）覆盖台账",
    False,
    (
        Column("unit", ("单位",), True, "unit"),
        Column("village", ("村（社区）", "村(社区)", "村社区", "村（社区）名称", "村居"), True),
        Column("established_date", ("建成日期", "成立日期"), False, "date"),
    ),
    key=("village",),
    prefix="coverage",
    sheet="覆盖",
)

DISCIPLINE = Table(
    "discipline",
    "纪律教育台账",
    False,
    (
        Column("activity_id", ("编号",)),
        Column("unit", ("单位",), True, "unit"),
        Column("date", ("日期", "活动日期", "开展日期"), True, "date"),
        Column("category", ("类别", "活动类别", "教育形式", "活动形式"), True),
        Column("title", ("主题", "活动主题")),
        Column("participants", ("参加人数", "参会人数", "人数"), False, "int"),
    ),
    key=("activity_id",),
    prefix="integrity",
    date_column="date",
    sheet="纪律教育",
    counted=True,
)

TABLES: dict[str, Table] = {t.name: t for t in (UNITS, ACTIVITIES, CASEWORK, PUBLICITY, COVERAGE, DISCIPLINE)}
# The ledgers proper (each row a unit's record): read, checked, hashed into a report's
# inputs and pooled for the district summary, all from this list.
LEDGER_TABLES: tuple[str, ...] = tuple(name for name in TABLES if name != UNITS.name)
# The ledgers a data folder may leave out (the report then says so and leaves their part out).
OPTIONAL_TABLES: tuple[str, ...] = tuple(name for name in LEDGER_TABLES if not TABLES[name].required)

# Header cells are compared without white space, with half-width brackets.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"[\s\u00a0\u3000]+")


def header_key(text: Any) -> str:
    """A header cell as it is compared: no white space at all, half-width brackets, lower case.

    ``信访⏎编号`` and ``信访 编号`` both give ``信访编号``.
    """
    text = str(text).translate(_INVISIBLE)
    text = _SPACES.sub("", text)
    return text.replace("（", "(").replace("）", ")").replace("＊", "*").strip("*").lower()


_HINT = re.compile(r"\([^()]*\)|\[[^\]]*\]|【[^】]*】|<[^>]*>")
_EXAMPLE = re.compile(r"(?:例|如|示例|格式)[:：].*$")


def header_forms(text: Any) -> list[str]:
    """A header cell as it may be matched: as written, and without the hints offices add.

    ``收到日期（年/月/日）*``, ``是否延期（是/否）``, ``参加人数（人）``, ``答复日期：``
    and ``日期 例：2024-03-05`` all give their column name as a second form.
    """
    key = header_key(text)
    bare = _EXAMPLE.sub("", _HINT.sub("", key)).strip("*:：")
    return [key, bare] if bare and bare != key else [key]


def find_column(text: Any, lookup: dict[str, str]) -> str | None:
    """The column a header cell names (:func:`header_forms`), or ``None``."""
    for form in header_forms(text):
        if form in lookup:
            return lookup[form]
    return None


@cache
def header_lookup(table_name: str) -> dict[str, str]:
    """Map every accepted header of a table (as :func:`header_key`) to its column name.

    A tick column (满意 under 满意度) maps to ``<column>:<value>``.
    """
    lookup: dict[str, str] = {}
    for col in TABLES[table_name].columns:
        for spelling in col.spellings:
            lookup[header_key(spelling)] = col.name
        for tick in col.ticks:
            lookup[header_key(tick)] = f"{col.name}:{tick}"
    return lookup


# --------------------------------------------------------------------------- categories


@lru_cache(maxsize=1)
def _category_config() -> dict[str, Any]:
    from ..settings.config import categories

    return categories()


def _categories() -> dict[str, tuple[str, tuple[str, ...]]]:
    conf = _category_config()["categories"]
    return {code: (c["name"], tuple(c.get("aliases") or ())) for code, c in conf.items()}


def _category_short() -> dict[str, str]:
    conf = _category_config()["categories"]
    return {code: c.get("short") or c["name"] for code, c in conf.items()}


def __getattr__(name: str):
    # CATEGORIES and CATEGORY_SHORT are read from config/categories.yml on first use.
    if name == "CATEGORIES":
        return _categories()
    if name == "CATEGORY_SHORT":
        return _category_short()
    raise AttributeError(f"module 'helpers.read.schema' has no attribute {name!r}")


_DASHES = re.compile(r"[—―－‐‑–-]+")


def category_key(text: str) -> str:
    """A category spelling as it is looked up: no spaces, one kind of dash and bracket."""
    text = _SPACES.sub("", str(text).translate(_INVISIBLE))
    text = _DASHES.sub("-", text)
    return text.replace("（", "(").replace("）", ")").replace("：", ":")


def category_lookup() -> dict[str, str]:
    """Map every accepted spelling of a canonical category (as :func:`category_key`) to its code."""
    lookup: dict[str, str] = {}
    for code, (name, aliases) in _categories().items():
        for spelling in (code, name, *aliases):
            lookup[category_key(spelling)] = code
    return lookup


# Decorations offices add around a category: a month, a quarter, 第N次, a year.
_DECORATIONS = re.compile(
    r"(?:(?:19|20)\d{2}年(?:度)?)|(?:第?[一二三四1-4]季度)|(?:[一二三四五六七八九十\d]{1,3}月份?)"
    r"|(?:第[一二三四五六七八九十百\d]+(?:次|期|场))|(?:[上下]半年)"
)
_BRACKETED = re.compile(r"[(\[【〔《<]([^()\[\]【】〔〕《》<>]*)[)\]】〕》>]")


def _undecorated(key: str) -> list[str]:
    """The forms of a category key without what offices add around it, most likely first.

    ``3月主题党日`` gives ``主题党日``; ``三会一课（支委会）`` gives ``支委会``;
    ``中心组学习（5月）`` gives ``中心组学习``.
    """
    forms = []
    inside = [m.group(1) for m in _BRACKETED.finditer(key)]
    outside = _BRACKETED.sub("", key)
    for text in (outside, *inside, key):
        text = _DECORATIONS.sub("", text).strip("-:·.，,、 ")
        if text and text not in forms:
            forms.append(text)
    return forms


def _without_prefix(key: str) -> str:
    for prefix in _category_config().get("prefixes") or ():
        p = category_key(prefix)
        if key.startswith(p) and len(key) > len(p):
            return key[len(p):].lstrip("-:·.")
        if key.endswith(p) and len(key) > len(p):
            return key[: -len(p)].rstrip("-:·.")
    return key


def category_code(text: str, lookup: dict[str, str] | None = None) -> str | None:
    """The canonical code of a category spelling, or ``None`` when it is not known.

    Decorations offices add are removed first: a configured prefix or suffix
    (三会一课), a month, a quarter, 第N次, and brackets (the category may stand
    inside them or outside).

    Examples
    --------
    >>> category_code("三会一课—支部党员大会")
    'branch_assembly'
    >>> category_code("3月主题党日")
    'theme_party_day'
    """
    lookup = category_lookup() if lookup is None else lookup
    key = category_key(text)
    if key in lookup:
        return lookup[key]
    for form in _undecorated(key):
        for candidate in (form, _without_prefix(form)):
            if candidate in lookup:
                return lookup[candidate]
    return None


def category_near(text: str, lookup: dict[str, str] | None = None) -> str | None:
    """The canonical code a spelling most likely means, when it contains or nearly matches one; else ``None``.

    Used for a spelling :func:`category_code` does not know: such a text is not
    guessed into a category, and not counted as another category either, until
    ``config/categories.yml`` maps it.
    """
    import difflib

    lookup = category_lookup() if lookup is None else lookup
    best, score = None, 0.0
    for form in _undecorated(category_key(text)):
        form = _without_prefix(form)
        for spelling, code in lookup.items():
            if len(spelling) < 2 or not re.search(r"[\u4e00-\u9fff]", spelling):
                continue
            if spelling in form or (len(form) >= 3 and form in spelling):
                ratio = 1.0 + len(spelling) / 100
            else:
                ratio = difflib.SequenceMatcher(None, form, spelling).ratio()
            if ratio > score:
                best, score = code, ratio
    return best if score >= 0.75 else None


# --------------------------------------------------------------------------- tables counted kind by kind


def counted_categories(table: Table) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The kinds a counted table's records are counted by (``<prefix>.categories`` of ``config/rules.yml``):
    code to name and aliases.

    Raises
    ------
    ConfigError
        The rules hold no section for the table.
    """
    from ..settings.config import rules
    from ..settings.errors import ConfigError

    section = rules().get(table.prefix)
    if not isinstance(section, dict) or "categories" not in section:
        raise ConfigError(f"config/rules.yml 中没有“{table.prefix}”一节：{table.title}按类别统计，"
                          f"请在该文件中写上 {table.prefix}: 下的 categories（类别及其别名）和 minimums（最低次数）")
    conf = section["categories"]
    return {code: (c["name"], tuple(c.get("aliases") or ())) for code, c in conf.items()}


def counted_lookup(table: Table) -> dict[str, str]:
    """Every spelling of a counted table's kinds (as :func:`category_key`) to its code."""
    lookup = {}
    for code, (name, aliases) in counted_categories(table).items():
        for spelling in (code, name, *aliases):
            lookup[category_key(spelling)] = code
    return lookup


def counted_code(text: str, lookup: dict[str, str]) -> str | None:
    """The code of a kind of a counted table (decorations such as months and 第N次 removed), or ``None``."""
    key = category_key(text)
    if key in lookup:
        return lookup[key]
    return next((lookup[form] for form in _undecorated(key) if form in lookup), None)


COUNTED_TABLES: tuple[str, ...] = tuple(name for name in LEDGER_TABLES if TABLES[name].counted)
