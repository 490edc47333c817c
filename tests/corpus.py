"""A corpus of bad and awkward ledgers, each with what it must give.

Every case starts from a small, valid data folder (:data:`BASE`) and replaces
or adds files. Its expectation is one of:

- ``accept``: the figures that the awkward-but-valid input must still give;
- ``reject``: the set-aside row it must give (file, row, column, reason);
- ``error``: the whole-file message it must stop with (exit status 2).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

UNITS = "unit_id,unit_name,party_org,recipient\nu-1,甲局,中共甲局党组,中共某区委\nu-2,乙局,,\n"
ACTIVITIES = "单位,日期,类别,主题,参加人数\nu-1,2024-03-05,支部大会,学习,12\nu-1,2024-04-05,主题党日,走访,10\n"
CASEWORK = (
    "信访编号,承办单位,收到日期,答复日期,是否延期,越级情况,满意度\n"
    "A1,u-1,2024-01-10,2024-02-01,否,无,满意\n"
    "A2,u-1,2024-03-10,2024-03-20,否,无,基本满意\n"
)
PUBLICITY = "单位,刊发日期,媒体名称,媒体级别,链接\nu-1,2024-05-01,皖西日报,市级,https://example.cn/a\n"
COVERAGE = "单位,村（社区）,建成日期\nu-1,甲村,2023-05-01\nu-1,乙村,\n"

BASE = {
    "units.csv": UNITS,
    "activities.csv": ACTIVITIES,
    "casework.csv": CASEWORK,
    "publicity.csv": PUBLICITY,
    "coverage.csv": COVERAGE,
}


def xlsx(rows: list[dict]) -> bytes:
    buf = io.BytesIO()
    pd.DataFrame(rows).to_excel(buf, index=False)
    return buf.getvalue()


@dataclass
class Case:
    name: str
    files: dict[str, str | bytes | None]  # None removes the file
    accept: dict[str, int] = field(default_factory=dict)  # indicator -> value (u-1, 2024)
    reject: tuple[str, int, str, str] | None = None  # file, row, column, reason fragment
    error: tuple[str, ...] = ()  # fragments of the whole-file message

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        files = {**BASE, **self.files}
        for name, content in files.items():
            if content is None:
                continue
            if content == "XLS":  # the base activities, as an Excel 97-2003 workbook with a title row
                content = _xls_activities()
            data = content.encode("utf-8") if isinstance(content, str) else content
            (folder / name).write_bytes(data)
        return folder


def _xls_activities() -> bytes:
    import datetime as dt
    import tempfile

    from office_workbooks import Sheet, write

    rows = [["2024年度活动台账"], ["单位", "日期", "类别"], ["u-1", dt.date(2024, 3, 5), "支部大会"],
            ["u-1", dt.date(2024, 6, 5), "支部大会"], ["合计", "2次"]]
    with tempfile.TemporaryDirectory() as tmp:
        return write(Path(tmp) / "a.xls", [Sheet("2024年", rows, [(0, 0, 0, 2)])]).read_bytes()


def _cases(*rows: str, header: str = "信访编号,承办单位,收到日期,答复日期,是否延期,越级情况,满意度") -> str:
    return header + "\n" + "\n".join(rows) + "\n"


CASES: list[Case] = [
    # ------------------------------------------------------------ awkward, accepted
    Case("gbk casework", {"casework.csv": CASEWORK.encode("gbk")}, accept={"casework.total": 2}),
    Case("utf-8 with BOM", {"casework.csv": "\ufeff" + CASEWORK}, accept={"casework.total": 2}),
    Case("gb18030 with a character outside GBK",
         {"casework.csv": _cases("A1,u-1,2024-01-10,,否,无,,䶮", "A2,u-1,2024-01-11,,否,无,,社会救助",
                                 header="信访编号,承办单位,收到日期,答复日期,是否延期,越级情况,满意度,问题类别"
                                 ).encode("gb18030")},
         accept={"casework.total": 2}),
    Case("xlsx with Excel date cells",
         {"activities.csv": None, "activities.xlsx": xlsx([
             {"单位": "u-1", "日期": pd.Timestamp("2024-03-05"), "类别": "支部大会"},
             {"单位": "u-1", "日期": pd.Timestamp("2024-06-05"), "类别": "支部大会"}])},
         accept={"activity.branch_assembly": 2}),
    Case("columns in another order",
         {"casework.csv": "满意度,答复日期,收到日期,承办单位,信访编号\n满意,2024-02-01,2024-01-10,u-1,A1\n"},
         accept={"casework.total": 1, "casework.replied": 1}),
    Case("headers with spaces and full-width spaces",
         {"activities.csv": " 单位　,　日期 ,类别 \nu-1,2024-03-05,支部大会\n"},
         accept={"activity.branch_assembly": 1}),
    Case("full-width digits in dates",
         {"activities.csv": "单位,日期,类别\nu-1,２０２４年３月５日,支部大会\n"},
         accept={"activity.branch_assembly": 1}),
    Case("five date spellings",
         {"activities.csv": "单位,日期,类别\nu-1,2024-03-05,支部大会\nu-1,2024/3/6,支部大会\n"
                            "u-1,2024.3.7,支部大会\nu-1,2024年3月8日,支部大会\nu-1,2024-03-09 00:00:00,支部大会\n"},
         accept={"activity.branch_assembly": 5}),
    Case("unit by exact name",
         {"activities.csv": "单位,日期,类别\n甲局,2024-03-05,支部大会\n"}, accept={"activity.branch_assembly": 1}),
    Case("stray spaces around values",
         {"activities.csv": "单位,日期,类别\n  u-1 , 2024-03-05 ,　支部大会　\n"},
         accept={"activity.branch_assembly": 1}),
    Case("category aliases",
         {"activities.csv": "单位,日期,类别\nu-1,2024-03-05,支委会\nu-1,2024-03-06,支委会议\n"
                            "u-1,2024-03-07,中心组研讨\nu-1,2024-03-08,理论中心组学习(研讨)\n"},
         accept={"activity.branch_committee": 2, "activity.central_group_study": 2}),
    Case("unknown category kept as its own",
         {"activities.csv": "单位,日期,类别\nu-1,2024-03-05,组织生活会\nu-1,2024-03-06,支部大会\n"},
         accept={"activity.branch_assembly": 1}),
    Case("personal-data columns ignored",
         {"casework.csv": _cases("A1,u-1,2024-01-10,,否,无,,王某某,13800000000",
                                 header="信访编号,承办单位,收到日期,答复日期,是否延期,越级情况,满意度,姓名,联系电话")},
         accept={"casework.total": 1}),
    Case("empty rows between records",
         {"activities.csv": "单位,日期,类别\nu-1,2024-03-05,支部大会\n,,\n\nu-1,2024-03-06,支部大会\n"},
         accept={"activity.branch_assembly": 2}),
    Case("extension spelled true, 1 and 是",
         {"casework.csv": _cases("A1,u-1,2024-01-01,2024-03-25,true,无,", "A2,u-1,2024-01-01,2024-03-25,1,无,",
                                 "A3,u-1,2024-01-01,2024-03-25,是,无,", "A4,u-1,2024-01-01,2024-03-25,否,无,")},
         accept={"casework.on_time": 3, "casework.overdue": 1}),
    Case("casework unit under 单位",
         {"casework.csv": CASEWORK.replace("承办单位", "单位")}, accept={"casework.total": 2}),
    Case("canonical English headers",
         {"casework.csv": CASEWORK.replace("信访编号,承办单位,收到日期,答复日期,是否延期,越级情况,满意度",
                                           "case_id,unit,received_date,replied_date,extended,escalation,satisfaction")},
         accept={"casework.total": 2}),
    Case("csv with a title line, a 填报单位 line and a 合计 row",
         {"casework.csv": "2024年度信访事项登记台账\n填报单位：甲局,,,,填报日期：2025年1月6日\n\n" + CASEWORK
          + "合计,2件,,,,,\n填表人：李某,,审核人：王某,,,,\n"},
         accept={"casework.total": 2, "casework.replied": 2}),
    Case("gbk csv with a title line",
         {"casework.csv": ("2024年度信访台账\n" + CASEWORK).encode("gbk")}, accept={"casework.total": 2}),
    Case("non-breaking, full-width and zero-width spaces",
         {"activities.csv": "单位,日期,类别\nu-1\u00a0,\u200b2024-03-05,\u3000支部大会\u200b\n"},
         accept={"activity.branch_assembly": 1}),
    Case("datetime text and an Excel serial typed as text",
         {"activities.csv": "单位,日期,类别\nu-1,2024-03-05 09:30,支部大会\nu-1,45357,支部大会\n"},
         accept={"activity.branch_assembly": 2}),
    Case("office category spellings",
         {"activities.csv": "单位,日期,类别\nu-1,2024-03-05,三会一课—支部党员大会\nu-1,2024-03-06,书记讲党课\n"
                            "u-1,2024-03-07,党组理论学习中心组学习\nu-1,2024-03-08,支部委员会会议\n"},
         accept={"activity.branch_assembly": 1, "activity.party_lecture": 1, "activity.central_group_study": 1,
                 "activity.branch_committee": 1}),
    Case("counts written with their unit", {"activities.csv": "单位,日期,类别,参加人数\nu-1,2024-03-05,支部大会,15人\n"},
         accept={"activity.branch_assembly": 1}),
    Case("yes and none as ticks and dashes",
         {"casework.csv": _cases("A1,u-1,2024-01-01,2024-03-25,√,/,", "A2,u-1,2024-01-01,2024-03-25,×,—,")},
         accept={"casework.on_time": 1, "casework.overdue": 1, "casework.escalated": 0}),
    Case("header with a line break inside a cell",
         {"casework.csv": CASEWORK.replace("信访编号", '"信访\n编号"')}, accept={"casework.total": 2}),
    Case("xls workbook", {"activities.csv": None, "activities.xls": "XLS"}, accept={"activity.branch_assembly": 2}),
    # ------------------------------------------------------------ bad rows, set aside
    Case("required date missing", {"activities.csv": "单位,日期,类别\nu-1,,支部大会\n"},
         reject=("activities.csv", 2, "date", "必填项“日期”为空")),
    Case("impossible date", {"activities.csv": "单位,日期,类别\nu-1,2024-02-30,支部大会\n"},
         reject=("activities.csv", 2, "date", "日期无法识别")),
    Case("words for a date", {"activities.csv": "单位,日期,类别\nu-1,2024-03-05,支部大会\nu-1,上周三,支部大会\n"},
         reject=("activities.csv", 3, "date", "日期无法识别")),
    Case("reply before the letter", {"casework.csv": _cases("A1,u-1,2024-03-10,2024-03-01,否,无,")},
         reject=("casework.csv", 2, "replied_date", "答复日期早于收到日期")),
    Case("duplicate case id", {"casework.csv": _cases("A1,u-1,2024-03-10,,否,无,", "A1,u-1,2024-03-11,,否,无,")},
         reject=("casework.csv", 3, "case_id", "信访编号重复（保留第2行）")),
    Case("unit not in units", {"activities.csv": "单位,日期,类别\n丙局,2024-03-05,支部大会\n"},
         reject=("activities.csv", 2, "unit", "不在单位名录中")),
    Case("negative participants", {"activities.csv": "单位,日期,类别,参加人数\nu-1,2024-03-05,支部大会,-3\n"},
         reject=("activities.csv", 2, "participants", "不能为负数")),
    Case("participants as a range or an estimate: the meeting still counts",
         {"activities.csv": "单位,日期,类别,参加人数\nu-1,2024-03-05,支部大会,12-15\nu-1,2024-04-05,支部大会,约15人\n"},
         accept={"activity.branch_assembly": 2}),
    Case("javascript link", {"publicity.csv": "单位,刊发日期,媒体名称,链接\nu-1,2024-05-01,皖西日报,javascript:alert(1)\n"},
         reject=("publicity.csv", 2, "url", "http:// 或 https://")),
    Case("bad unit id", {"units.csv": UNITS + "Bad Unit,丙局,,\n"},
         reject=("units.csv", 4, "unit_id", "小写字母（a-z）")),
    Case("duplicate unit id", {"units.csv": UNITS + "u-1,丁局,,\n"},
         reject=("units.csv", 4, "unit_id", "单位代码重复（保留第2行）")),
    Case("unknown escalation", {"casework.csv": _cases("A1,u-1,2024-03-10,,否,到县,")},
         reject=("casework.csv", 2, "escalation", "越级情况应为到市、赴省、进京之一")),
    Case("unknown satisfaction", {"casework.csv": _cases("A1,u-1,2024-03-10,2024-03-11,否,无,很好")},
         reject=("casework.csv", 2, "satisfaction", "满意度应为满意、基本满意、不满意之一")),
    Case("unreadable extension", {"casework.csv": _cases("A1,u-1,2024-03-10,,也许,无,")},
         error=("是否延期", "“也许”1行", "casework.csv第2行", "true_words")),
    Case("extension in the office's own words", {"casework.csv": _cases(
        "A1,u-1,2024-01-10,2024-02-01,未延期,无,满意", "A2,u-1,2024-03-10,2024-03-20,已延期,无,满意")},
        accept={"casework.total": 2}),
    Case("duplicate village", {"coverage.csv": COVERAGE + "u-1,甲村,2024-01-01\n"},
         reject=("coverage.csv", 4, "village", "村（社区）重复（保留第2行）")),
    Case("duplicate activity id", {"activities.csv": "编号,单位,日期,类别\nH1,u-1,2024-03-05,支部大会\nH1,u-1,2024-03-06,支部大会\n"},
         reject=("activities.csv", 3, "activity_id", "编号重复")),
    Case("outlet missing", {"publicity.csv": "单位,刊发日期,媒体名称\nu-1,2024-05-01,\n"},
         reject=("publicity.csv", 2, "outlet", "必填项“媒体名称”为空")),
    # ------------------------------------------------------------ whole-file problems
    Case("casework table missing", {"casework.csv": None}, error=("casework", "缺少必需的信访台账")),
    Case("required column missing", {"casework.csv": "信访编号,承办单位\nA1,u-1\n"},
         error=("casework.csv", "received_date", "收到日期")),
    Case("units without unit_name", {"units.csv": "unit_id\nu-1\n"}, error=("units.csv", "unit_name", "单位名称")),
    Case("damaged xlsx", {"activities.csv": None, "activities.xlsx": b"PK\x03\x04 not really a workbook"},
         error=("activities.xlsx", "文件不完整")),
    Case("csv and xlsx of one table", {"activities.xlsx": xlsx([{"单位": "u-1"}])},
         error=("activities.csv", "activities.xlsx", "请只保留一个")),
    Case("two columns for one field", {"casework.csv": CASEWORK.replace("满意度", "单位")},
         error=("casework.csv", "都表示", "承办单位")),
    Case("not text at all", {"activities.csv": b"\xff\xfe\xff\x00\x81\xff" * 20},
         error=("activities.csv", "UTF-8", "GBK")),
]
