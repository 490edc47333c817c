"""Write the sample ledgers in ``data/`` (run once; the output is committed).

The sample is four units of 叶集区 over 2022-2024, kept the way offices keep
them: one row per meeting, petition, article and village, Chinese headers,
casework saved as GBK by Excel with personal-data columns, publicity as XLSX.

The 2024 figures of ``yeji-mzj`` are those of the reference report
(``shared/reference``): 理论中心组学习（研讨）15, 支部大会 3, 支委会议 11,
主题党日 11, 专题党课 4; 33 petitions, all answered on time, none escalated;
77 villages all covered; coverage in 人民网, 中国社会报, 新华网, 学习强国,
皖西日报 and 中安在线. Everything else is invented, from a fixed seed.

Usage: ``python scripts/make_sample_data.py [DATA_DIR]``
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

SEED = 20241231
ROOT = Path(__file__).resolve().parents[1]

UNITS = [
    ("yeji-mzj", "叶集区民政局", "中共六安市叶集区民政局党组", "中共六安市叶集区委"),
    ("yeji-rsj", "叶集区人力资源和社会保障局", "中共六安市叶集区人力资源和社会保障局党组", "中共六安市叶集区委"),
    ("yeji-wjw", "叶集区卫生健康委员会", "中共六安市叶集区卫生健康委员会党组", "中共六安市叶集区委"),
    ("yeji-zjj", "叶集区住房和城乡建设局", "中共六安市叶集区住房和城乡建设局党组", "中共六安市叶集区委"),
]
# 简称: how clerks write the units in the other ledgers' 单位 columns.
ALIASES = {"yeji-mzj": "区民政局", "yeji-rsj": "人社局、区人社局", "yeji-wjw": "卫健委、区卫健委", "yeji-zjj": "住建局"}
# Units whose 信访台账 keeps the 信访工作条例 columns (受理日期, 办结日期, 复查复核): the
# others do not, and their reports leave those figures out and say why.
FULL_CASEWORK = ("yeji-mzj", "yeji-rsj")

# Per unit and year: counts by the spelling the office uses in its ledger.
ACTIVITY_PLAN = {
    "yeji-mzj": {
        2022: {"中心组学习": 10, "支部党员大会": 4, "支委会": 11, "主题党日": 12, "党课": 2, "意识形态分析研判": 1},
        2023: {"理论中心组学习": 12, "支部大会": 4, "支委会议": 12, "主题党日活动": 12, "专题党课": 3, "意识形态专题会议": 2},
        2024: {"理论中心组学习（研讨）": 15, "支部大会": 3, "支委会议": 11, "主题党日": 11, "专题党课": 4, "意识形态分析研判": 2, "组织生活会": 1},
    },
    "yeji-rsj": {
        2022: {"中心组学习": 8, "支部大会": 4, "支委会": 12, "主题党日": 12, "党课": 3, "意识形态分析研判": 2},
        2023: {"中心组学习": 11, "支部大会": 4, "支委会": 12, "主题党日": 12, "党课": 4, "意识形态分析研判": 2},
        2024: {"中心组学习": 12, "支部大会": 4, "支委会": 12, "主题党日": 12, "党课": 4, "意识形态分析研判": 2},
    },
    "yeji-wjw": {
        2022: {"理论中心组学习": 12, "党员大会": 4, "支委会": 12, "主题党日": 11, "上党课": 4, "意识形态专题会议": 2},
        2023: {"理论中心组学习": 13, "党员大会": 4, "支委会": 12, "主题党日": 12, "上党课": 4, "意识形态专题会议": 2},
        2024: {"理论中心组学习": 14, "党员大会": 4, "支委会": 12, "主题党日": 12, "上党课": 5, "意识形态专题会议": 2},
    },
    "yeji-zjj": {
        2022: {"中心组研讨": 6, "支部大会": 3, "支委会": 10, "主题党日": 10, "专题党课": 1, "意识形态分析研判": 1},
        2023: {"中心组研讨": 9, "支部大会": 4, "支委会": 12, "主题党日": 12, "专题党课": 2, "意识形态分析研判": 2},
        2024: {"中心组研讨": 10, "支部大会": 2, "支委会": 9, "主题党日": 10, "专题党课": 2, "意识形态分析研判": 1},
    },
}

# Monthly meetings fall on these months; the 2024 ledgers of yeji-mzj were
# closed at the end of November, as the reference report was.
MONTHLY = {"支委会", "支委会议", "主题党日", "主题党日活动"}
TOPICS = {
    "理论": ["学习贯彻党的二十届三中全会精神", "学习《中国共产党纪律处分条例》", "学习习近平总书记关于民生工作的重要论述", "研讨意识形态工作责任制落实"],
    "支部大会": ["部署党纪学习教育", "发展党员票决", "民主评议党员", "学习传达上级会议精神"],
    "支委": ["研究支部月度工作", "研究主题党日安排", "研究党员教育管理"],
    "党日": ["走访困难群众", "创城志愿服务", "重温入党誓词", "参观廉政教育基地"],
    "党课": ["书记讲党课：以党纪学习教育推动工作落实", "专题党课：践行为民宗旨", "专题党课：严守政治纪律和政治规矩"],
    "意识形态": ["分析研判本单位意识形态领域形势", "研究网络舆情风险防控"],
    "其他": ["召开专题组织生活会"],
}

CASE_PLAN = {  # unit: year: (total, overdue, extended_on_time, escalated, pending_at_year_end)
    "yeji-mzj": {2022: (25, 2, 1, 1, 0), 2023: (28, 1, 1, 1, 0), 2024: (33, 0, 0, 0, 0)},
    "yeji-rsj": {2022: (41, 3, 2, 1, 0), 2023: (46, 2, 2, 0, 0), 2024: (52, 1, 3, 0, 2)},
    "yeji-wjw": {2022: (30, 1, 1, 0, 0), 2023: (27, 0, 1, 0, 0), 2024: (24, 0, 0, 0, 1)},
    "yeji-zjj": {2022: (58, 5, 3, 2, 0), 2023: (63, 4, 2, 1, 0), 2024: (49, 4, 1, 1, 3)},
}
CASE_CATEGORIES = {
    "yeji-mzj": ["社会救助", "养老服务", "殡葬管理", "婚姻登记", "社会组织"],
    "yeji-rsj": ["劳动报酬", "社会保险", "劳动关系", "职称评审"],
    "yeji-wjw": ["医疗服务", "医疗保障", "公共卫生", "计划生育"],
    "yeji-zjj": ["物业管理", "房屋质量", "拆迁安置", "工程款"],
}

PUBLICITY_PLAN = {  # unit: year: [(outlet, level, count)]
    "yeji-mzj": {
        2022: [("皖西日报", "市级", 3), ("学习强国", "中央", 2)],
        2023: [("学习强国", "中央", 3), ("皖西日报", "市级", 4), ("中安在线", "省级", 2)],
        2024: [("人民网", "中央", 2), ("中国社会报", "中央", 3), ("新华网", "中央", 1), ("学习强国", "中央", 4), ("皖西日报", "市级", 3), ("中安在线", "省级", 2)],
    },
    "yeji-rsj": {
        2022: [("皖西日报", "市级", 2)],
        2023: [("皖西日报", "市级", 3), ("中安在线", "省级", 1)],
        2024: [("中国劳动保障报", "中央", 1), ("皖西日报", "市级", 4), ("中安在线", "省级", 2)],
    },
    "yeji-wjw": {
        2022: [("健康报", "中央", 1), ("皖西日报", "市级", 2)],
        2023: [("健康报", "中央", 1), ("皖西日报", "市级", 2), ("学习强国", "中央", 1)],
        2024: [("皖西日报", "市级", 3), ("学习强国", "中央", 2)],
    },
    "yeji-zjj": {
        2022: [("皖西日报", "市级", 1)],
        2023: [("皖西日报", "市级", 2)],
        2024: [("皖西日报", "市级", 2), ("中安在线", "省级", 1)],
    },
}
URLS = {
    "人民网": "http://ah.people.com.cn/", "新华网": "http://www.ah.xinhuanet.com/",
    "中安在线": "https://www.anhuinews.com/", "中国社会报": "https://epaper.shehuiwang.cn/",
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明华芳军敏静丽强磊洋艳勇杰娟涛超霞平刚桂英"
PLACES = "史河孙岗三元洪集姚李平岗镇南龙潭观山马店新建桃园南河长岭清河望岗双河友谊".replace(" ", "")


def _days(year: int, rng: random.Random, last: date) -> list[date]:
    start = date(year, 1, 1)
    span = (last - start).days
    return sorted(start + timedelta(days=rng.randint(0, span)) for _ in range(400))


def _activity_dates(spelling: str, n: int, year: int, last_month: int, rng: random.Random) -> list[date]:
    if spelling in MONTHLY or n in (11, 12) and "委" in spelling:
        months = list(range(1, last_month + 1))[:n]
        while len(months) < n:
            months.append(rng.randint(1, last_month))
        return sorted(date(year, m, rng.randint(3, 25)) for m in months)
    quarters = [1, 4, 7, 10]
    if n <= 4 and "大会" in spelling:
        return [date(year, quarters[i] + rng.randint(0, 1), rng.randint(5, 25)) for i in range(n)]
    out = set()
    while len(out) < n:
        out.add(date(year, rng.randint(1, last_month), rng.randint(1, 28)))
    return sorted(out)


def _topic(spelling: str, rng: random.Random) -> str:
    for key, options in TOPICS.items():
        if key in spelling:
            return rng.choice(options)
    return rng.choice(TOPICS["其他"] if "组织生活" in spelling else TOPICS["理论"])


def activities(rng: random.Random) -> pd.DataFrame:
    rows = []
    for unit_id, name, *_ in UNITS:
        n_id = 0
        for year, plan in ACTIVITY_PLAN[unit_id].items():
            last_month = 11 if year == 2024 else 12
            for spelling, n in plan.items():
                for d in _activity_dates(spelling, n, year, last_month, rng):
                    n_id += 1
                    rows.append({
                        "编号": f"HD{year}{n_id:04d}",
                        "单位": name if rng.random() < 0.5 else unit_id,
                        "日期": f"{d.year}年{d.month}月{d.day}日" if rng.random() < 0.4 else d.isoformat(),
                        "类别": spelling,
                        "主题": _topic(spelling, rng),
                        "参加人数": rng.randint(6, 28),
                    })
    frame = pd.DataFrame(rows)
    return frame.sort_values(["单位", "日期"], kind="stable").reset_index(drop=True)


def casework(rng: random.Random) -> pd.DataFrame:
    rows = []
    for unit_id, name, *_ in UNITS:
        for year, (total, overdue, extended, escalated, pending) in CASE_PLAN[unit_id].items():
            last = date(year, 11, 25) if unit_id == "yeji-mzj" and year == 2024 else date(year, 12, 20)
            received = sorted(rng.choice(_days(year, rng, last)) for _ in range(total))
            kinds = (["overdue"] * overdue + ["extended"] * extended + ["pending"] * pending)
            kinds += ["normal"] * (total - len(kinds))
            rng.shuffle(kinds)
            if pending:  # pending cases are the latest ones
                kinds = [k for k in kinds if k != "pending"] + ["pending"] * pending
            escalate = set(rng.sample(range(total), escalated))
            for i, (got, kind) in enumerate(zip(received, kinds)):
                if kind == "pending":
                    got = date(year, 12, rng.randint(10, 20))
                    replied = None
                elif kind == "overdue":
                    replied = got + timedelta(days=rng.randint(63, 75))
                elif kind == "extended":
                    replied = got + timedelta(days=rng.randint(65, 85))
                else:
                    replied = got + timedelta(days=rng.randint(3, min(45, (date(year, 12, 31) - got).days)))
                surname, given = rng.choice(SURNAMES), "".join(rng.sample(GIVEN, 2))
                rows.append({
                    "信访编号": f"XF-{unit_id[5:].upper()}-{year}-{i + 1:03d}",
                    "承办单位": name,
                    "收到日期": got.strftime("%Y/%-m/%-d"),
                    "信访形式": rng.choice(["来信", "来访", "来访", "网上信访", "电话"]),
                    "问题类别": rng.choice(CASE_CATEGORIES[unit_id]),
                    "姓名": surname + given,
                    "身份证号": f"3415{rng.randint(10, 99)}19{rng.randint(50, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(1000, 9999)}",
                    "联系电话": f"1{rng.choice([35, 39, 58, 80, 87])}{rng.randint(10000000, 99999999)}",
                    "内容摘要": f"反映{rng.choice(CASE_CATEGORIES[unit_id])}有关问题，请求协调解决",
                    "答复日期": replied.strftime("%Y/%-m/%-d") if replied else "",
                    "是否延期": "是" if kind == "extended" else "否",
                    "越级情况": rng.choice(["到市", "赴省"]) if i in escalate else "无",
                    "满意度": "" if replied is None else rng.choice(["满意"] * 6 + ["基本满意"] * 2 + [""]),
                })
    return pd.DataFrame(rows)


def casework_extras(cases: pd.DataFrame, rng: random.Random) -> pd.DataFrame:
    """The 信访工作条例 columns, added from a second seed so that no earlier figure moves.

    For :data:`FULL_CASEWORK`: 受理日期 (within 15 days, a few later), 办结日期 (the reply,
    or a few days after it), 复查复核 (a few requests). For every unit: some
    petitioners come back on the same matter (their personal columns repeated).
    """
    cases = cases.copy()
    names = {name: uid for uid, name, *_ in UNITS}
    accepted, closed, review = [], [], []
    for row in cases.itertuples(index=False):
        uid = names[row.承办单位]
        got = pd.Timestamp(row.收到日期.replace("/", "-"))
        if uid not in FULL_CASEWORK:
            accepted.append(""), closed.append(""), review.append("")
            continue
        late = rng.random() < (0.08 if uid == "yeji-rsj" else 0.0)
        days = rng.randint(16, 22) if late else rng.randint(1, 12)
        replied = pd.Timestamp(row.答复日期.replace("/", "-")) if row.答复日期 else None
        accept = got + pd.Timedelta(days=days)
        if replied is not None and accept > replied:
            accept = replied
        accepted.append(f"{accept.year}/{accept.month}/{accept.day}")
        if replied is None:
            closed.append("")
        else:
            done = replied + pd.Timedelta(days=rng.choice([0, 0, 0, 2, 5]))
            closed.append(f"{done.year}/{done.month}/{done.day}")
        review.append(rng.choice(["申请复查，维持原处理意见", "申请复核，维持"]) if rng.random() < 0.05 else "")
    cases.insert(cases.columns.get_loc("答复日期"), "受理日期", accepted)
    cases.insert(cases.columns.get_loc("答复日期") + 1, "办结日期", closed)
    cases["复查复核"] = review
    # a petitioner who comes back on the same matter: the personal columns of an earlier case
    for _uid, name, *_ in UNITS:
        mine = cases.index[cases["承办单位"] == name]
        for i in range(1, len(mine)):
            later = mine[i]
            same = [e for e in mine[max(0, i - 20):i] if cases.at[e, "问题类别"] == cases.at[later, "问题类别"]]
            if same and rng.random() < 0.1:
                earlier = rng.choice(same)
                for col in ("姓名", "身份证号", "联系电话"):
                    cases.at[later, col] = cases.at[earlier, col]
    return cases


# 纪律教育台账 per unit and year: (警示教育, 廉政谈话, 专题党课, 廉政风险排查), written in the
# spellings offices use; yeji-zjj held one 警示教育 in 2024 (the rule asks one a half-year).
DISCIPLINE_PLAN = {
    "yeji-mzj": {2022: (2, 3, 1, 1), 2023: (2, 4, 2, 1), 2024: (3, 5, 2, 2)},
    "yeji-rsj": {2022: (2, 2, 1, 1), 2023: (2, 3, 1, 1), 2024: (2, 4, 2, 1)},
    "yeji-wjw": {2022: (2, 2, 1, 1), 2023: (2, 2, 2, 1), 2024: (2, 3, 2, 1)},
    "yeji-zjj": {2022: (1, 2, 1, 0), 2023: (2, 2, 1, 1), 2024: (1, 2, 1, 1)},
}
DISCIPLINE_SPELLINGS = (["警示教育", "警示教育大会", "警示教育会（以案促改）"], ["廉政谈话", "谈心谈话", "集体廉政谈话"],
                        ["专题党课", "廉政党课"], ["廉政风险排查", "廉政风险点排查"])
DISCIPLINE_TITLES = ("观看警示教育片", "学习典型案例通报", "节前廉政提醒", "学习《中国共产党纪律处分条例》")


def discipline(rng: random.Random) -> pd.DataFrame:
    """The 纪律教育台账: one row per integrity-education activity (a seed of its own)."""
    rows = []
    for unit_id, name, *_ in UNITS:
        n = 0
        for year, counts in DISCIPLINE_PLAN[unit_id].items():
            last = 11 if unit_id == "yeji-mzj" and year == 2024 else 12
            for kind, count in enumerate(counts):
                for i in range(count):
                    # warning education once in each half-year first, as the rule asks
                    month = (rng.randint(1, 6) if i % 2 == 0 else rng.randint(7, last)) if kind == 0 \
                        else rng.randint(1, last)
                    n += 1
                    rows.append({
                        "编号": f"JL-{unit_id[5:].upper()}-{n:03d}",
                        "单位": name,
                        "日期": date(year, month, rng.randint(1, 28)).isoformat(),
                        "类别": rng.choice(DISCIPLINE_SPELLINGS[kind]),
                        "主题": rng.choice(DISCIPLINE_TITLES),
                        "参加人数": rng.randint(8, 40),
                    })
    return pd.DataFrame(rows).sort_values(["单位", "日期"], kind="stable", ignore_index=True)


def publicity(rng: random.Random) -> pd.DataFrame:
    rows = []
    for unit_id, name, *_ in UNITS:
        for year, plan in PUBLICITY_PLAN[unit_id].items():
            for outlet, level, n in plan:
                for _ in range(n):
                    d = date(year, rng.randint(1, 11), rng.randint(1, 28))
                    rows.append({
                        "单位": name,
                        "刊发日期": pd.Timestamp(d),
                        "媒体名称": outlet,
                        "媒体级别": level,
                        "标题": f"{name[3:]}{rng.choice(['扎实推进', '创新开展', '持续深化'])}{rng.choice(['民生保障', '为民服务', '党建引领', '作风建设'])}工作",
                        "链接": URLS.get(outlet, ""),
                    })
    return pd.DataFrame(rows).sort_values(["单位", "刊发日期"], ignore_index=True)


def coverage(rng: random.Random) -> pd.DataFrame:
    names: list[str] = []
    while len(names) < 77:
        base = "".join(rng.sample(PLACES, 2))
        village = base + ("社区" if rng.random() < 0.25 else "村")
        if village not in names:
            names.append(village)
    rows = []
    for i, village in enumerate(names):
        year = 2022 if i < 30 else 2023 if i < 52 else 2024
        last_month = 10 if year == 2024 else 12
        d = date(year, rng.randint(3, last_month), rng.randint(1, 28))
        rows.append({"单位": "叶集区民政局", "村（社区）": village, "建成日期": d.isoformat()})
    return pd.DataFrame(rows)


def main(out: Path) -> None:
    rng = random.Random(SEED)
    out.mkdir(parents=True, exist_ok=True)
    units = pd.DataFrame(UNITS, columns=["unit_id", "unit_name", "party_org", "recipient"])
    units["aliases"] = units["unit_id"].map(ALIASES)
    units.to_csv(out / "units.csv", index=False, encoding="utf-8")
    activities(rng).to_csv(out / "activities.csv", index=False, encoding="utf-8-sig")
    cases = casework(rng)
    casework_extras(cases, random.Random(SEED + 1)).to_csv(out / "casework.csv", index=False, encoding="gbk")
    publicity(rng).to_excel(out / "publicity.xlsx", index=False, sheet_name="宣传报道")
    coverage(rng).to_csv(out / "coverage.csv", index=False, encoding="utf-8-sig")
    discipline(random.Random(SEED + 2)).to_csv(out / "discipline.csv", index=False, encoding="utf-8-sig")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data")
