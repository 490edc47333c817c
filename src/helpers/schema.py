"""The tables of ``shared/data-contract.md``: columns, Chinese aliases, categories.

This module is the contract in code. Change it only together with the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UNIT_ID_PATTERN = r"[a-z0-9-]{1,40}"


@dataclass(frozen=True)
class Column:
    """One column of a table: canonical name, accepted headers, requiredness."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False
    kind: str = "text"  # text | date | int | bool | url | unit


@dataclass(frozen=True)
class Table:
    """One ledger table."""

    name: str
    title: str
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default=())  # unique per unit when given

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        return next(c for c in self.columns if c.name == name)


UNITS = Table(
    "units",
    "单位名录",
    True,
    (
        Column("unit_id", ("单位代码",), True),
        Column("unit_name", ("单位名称",), True),
        Column("party_org", ("党组织名称",)),
        Column("recipient", ("主送机关",)),
    ),
)

ACTIVITIES = Table(
    "activities",
    "活动台账",
    True,
    (
        Column("activity_id", ("编号",)),
        Column("unit", ("单位",), True, "unit"),
        Column("date", ("日期",), True, "date"),
        Column("category", ("类别",), True),
        Column("title", ("主题",)),
        Column("participants", ("参加人数",), False, "int"),
    ),
    key=("activity_id",),
)

CASEWORK = Table(
    "casework",
    "信访台账",
    True,
    (
        Column("case_id", ("信访编号",), True),
        Column("unit", ("承办单位", "单位"), True, "unit"),
        Column("received_date", ("收到日期", "登记日期"), True, "date"),
        Column("channel", ("信访形式",)),
        Column("category", ("问题类别",)),
        Column("replied_date", ("答复日期",), False, "date"),
        Column("extended", ("是否延期",), False, "bool"),
        Column("escalation", ("越级情况",)),
        Column("satisfaction", ("满意度",)),
    ),
    key=("case_id",),
)

PUBLICITY = Table(
    "publicity",
    "宣传报道",
    False,
    (
        Column("unit", ("单位",), True, "unit"),
        Column("date", ("刊发日期", "日期"), True, "date"),
        Column("outlet", ("媒体名称", "媒体"), True),
        Column("level", ("媒体级别",)),
        Column("title", ("标题",)),
        Column("url", ("链接",), False, "url"),
    ),
)

COVERAGE = Table(
    "coverage",
    "村（社区）覆盖台账",
    False,
    (
        Column("unit", ("单位",), True, "unit"),
        Column("village", ("村（社区）", "村(社区)"), True),
        Column("established_date", ("建成日期",), False, "date"),
    ),
    key=("village",),
)

TABLES: dict[str, Table] = {t.name: t for t in (UNITS, ACTIVITIES, CASEWORK, PUBLICITY, COVERAGE)}

# Canonical activity categories: code -> (Chinese name, aliases).
CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "central_group_study": (
        "理论学习中心组学习",
        ("理论中心组学习", "中心组学习", "理论中心组学习（研讨）", "中心组研讨"),
    ),
    "branch_assembly": ("支部党员大会", ("支部大会", "党员大会")),
    "branch_committee": ("支部委员会", ("支委会", "支委会议")),
    "theme_party_day": ("主题党日", ("主题党日活动",)),
    "party_lecture": ("党课", ("专题党课", "上党课")),
    "ideology_review": ("意识形态工作专题研究", ("意识形态分析研判", "意识形态专题会议")),
}

# Short names used in the report's sentences and tables.
CATEGORY_SHORT: dict[str, str] = {
    "central_group_study": "理论中心组学习（研讨）",
    "branch_assembly": "支部党员大会",
    "branch_committee": "支委会议",
    "theme_party_day": "主题党日",
    "party_lecture": "专题党课",
    "ideology_review": "意识形态工作专题研究",
}


def category_lookup() -> dict[str, str]:
    """Map every accepted spelling of a canonical category to its code."""
    lookup: dict[str, str] = {}
    for code, (name, aliases) in CATEGORIES.items():
        for spelling in (code, name, *aliases):
            lookup[spelling] = code
            lookup[spelling.replace("（", "(").replace("）", ")")] = code
    return lookup
