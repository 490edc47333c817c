"""The report's own sentences, written from its figures (the ``{text.*}`` placeholders).

Each function takes the report's data (:class:`helpers.document.report.Report`: the
indicators, the unit, the period) and returns Chinese text; nothing here lays
out a document. :data:`PROBLEMS` are the problems found in the data that a
kind's skeleton adds after the analysts' own (``problems:`` in
``config/kinds.yml``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ..figures.base import Indicator
from ..read import schema
from ..settings.config import rules as load_rules
from .phrasing import change_phrase, cn_date, fixed, md_escape, number

if TYPE_CHECKING:
    from ..document.report import Report

LEADS = ("一是", "二是", "三是", "四是", "五是", "六是")


def span_words(r: Report) -> str:
    """``全年``, ``上半年``, ``第三季度`` for a whole period; ``截至2024年11月30日`` before it ends."""
    ind = r.indicators
    if ind.as_of != ind.period.end:
        return f"截至{cn_date(ind.as_of)}"
    return "全年" if ind.period.is_year else ind.period.kind.words


def comparisons(r: Report, item: Indicator) -> str:
    """``同比增长17.9%``, and for a period shorter than a year ``，环比增长5.0%``."""
    text = change_phrase(item)
    if r.indicators.has_previous and item.previous is not None:
        text += f"，{change_phrase(item, span='previous')}"
    return text


def text_activities(r: Report) -> str:
    """The sentence on meetings and study sessions."""
    ind = r.indicators
    parts = [f"{schema.CATEGORY_SHORT[c]}{ind[f'activity.{c}'].value}次" for c in schema.CATEGORIES]
    others = [f"{md_escape(k)}{v}次" for k, v in ind.activity_counts.items() if k not in schema.CATEGORIES]
    text = f"{span_words(r)}共开展{'，'.join(parts[:-1])}，{parts[-1]}"
    if others:
        text += f"，另开展{'、'.join(others)}"
    total = ind["activity.total"]
    if total.prior is not None:
        text += f"；各类组织生活合计{total.value}次，{comparisons(r, total)}"
    return text + "。"


def _received(r: Report) -> str:
    """``上半年共收到群众来信来访20件（上年同期16件，同比增长25.0%；上期12件，环比增长66.7%）``."""
    ind = r.indicators
    total = ind["casework.total"]
    text = f"{span_words(r)}共收到群众来信来访{total.value}件"
    parts = []
    if total.prior is not None:
        parts.append(f"上年同期{total.prior}件，{change_phrase(total)}")
    if ind.has_previous and total.previous is not None:
        parts.append(f"上期{total.previous}件，{change_phrase(total, span='previous')}")
    return text + (f"（{'；'.join(parts)}）" if parts else "")


def text_total(r: Report) -> str:
    """The sentence on how many petitions were received, against last year and the period before."""
    return _received(r) + "。"


def text_casework(r: Report) -> str:
    """The sentence on petitions: received, answered on time, escalated."""
    ind = r.indicators
    total = ind["casework.total"]
    text = _received(r)
    if total.value == 0:
        return text + "。"
    on_time, replied = ind["casework.on_time"].value, ind["casework.replied"].value
    if on_time == total.value:
        text += f"，均及时调查落实、按期答复，按期答复率{number(100.0, 'rate')}，做到件件有回音"
    else:
        text += (f"，已答复{replied}件，其中按期答复{on_time}件，按期答复率"
                 f"{number(ind['casework.on_time_rate'].value, 'rate')}")
        rate_ind = ind["casework.on_time_rate"]
        if rate_ind.prior is not None:
            text += f"，{change_phrase(rate_ind)}"
        text += _late_and_pending(ind)
    text += _median_days(ind)
    sat = ind["casework.satisfaction_rate"]
    if sat.value is not None:
        text += f"，群众满意率{number(sat.value, 'rate')}"
    text += "，" + _escalation_words(ind["casework.escalated"].value)
    return text + "。"


def _late_and_pending(ind) -> str:
    """``；超期1件；尚在办理2件`` (each part only when there are such cases)."""
    text = ""
    if ind["casework.overdue"].value:
        text += f"；超期{ind['casework.overdue'].value}件"
    if ind["casework.pending"].value:
        text += f"；尚在办理{ind['casework.pending'].value}件"
    return text


def _median_days(ind) -> str:
    """``；答复用时中位数为26天`` (nothing when no case was replied)."""
    days = ind["casework.median_reply_days"]
    return "" if days.value is None else f"；答复用时中位数为{number(days.value, 'days')}天"


def _escalation_words(count: int) -> str:
    levels = "、".join(load_rules()["casework"]["escalation_levels"])
    return f"未发生{levels}越级上访" if count == 0 else f"发生越级信访{count}件"


def text_publicity(r: Report) -> str:
    """The sentence on press coverage."""
    ind = r.indicators
    if not ind.has_publicity:
        return "本期未提供宣传报道台账，宣传报道情况从略。"
    total = ind["publicity.total"]
    if not total.value:
        return f"{span_words(r)}暂无对外宣传报道。"
    outlets = "、".join(md_escape(o) for o in ind.outlets)
    by = f"先后被{outlets}等{len(ind.outlets)}家媒体报道" if len(ind.outlets) > 1 else f"被{outlets}报道"
    text = f"{span_words(r)}工作动态{by}，共刊发宣传报道{total.value}篇"
    if total.prior is not None:
        text += f"，{comparisons(r, total)}"
    return text + "。"


def text_coverage(r: Report) -> str:
    """The sentence on the villages covered (救急难 mutual-aid societies)."""
    ind = r.indicators
    if not ind.has_coverage:
        return ""
    v, c, rt = ind["coverage.villages"], ind["coverage.covered"], ind["coverage.rate"]
    if c.value == v.value:
        text = f"全区{v.value}个村（社区）已全部建成“救急难”互助社，实现全覆盖"
    else:
        text = f"全区{v.value}个村（社区）中已有{c.value}个建成“救急难”互助社，覆盖率{number(rt.value, 'rate')}"
    if rt.prior is not None and c.prior != c.value:
        text += f"，覆盖率较上年同期（{number(rt.prior, 'rate')}）提高{fixed(rt.change)}个百分点"
    return text + "。"


# --------------------------------------------------------------------------- the 信访 report's sentences


def text_channels(r: Report) -> str:
    """Petitions by channel: ``从信访形式看，来信5件、来访8件……``."""
    ind = r.indicators
    parts = [f"{item.label}{item.value}件" for key, item in ind.items.items()
             if key.startswith("casework.channel.") and item.value]
    if not parts:
        return f"{span_words(r)}未收到群众来信来访。"
    return f"从信访形式看，{'、'.join(parts)}。"


def text_categories(r: Report) -> str:
    """The main problem categories: ``反映的问题主要集中在社会救助（6件）、养老服务（4件）……``."""
    top = r.categories.head(3)
    if top.empty:
        return ""
    total = int(r.categories["本期"].sum())
    parts = [f"{md_escape(name)}（{n}件）" for name, n in top["本期"].items() if n]
    share = int(top["本期"].sum())
    return (f"从反映的问题看，主要集中在{'、'.join(parts)}等方面，"
            f"合计{share}件，占{number(100.0 * share / total if total else None, 'rate')}。")


def text_timeliness(r: Report) -> str:
    """Replies and deadlines: replied, on time, overdue, pending, the median days."""
    ind = r.indicators
    total = ind["casework.total"].value
    if not total:
        return ""
    cw = load_rules()["casework"]
    rate_text = number(ind["casework.on_time_rate"].value, "rate")
    text = (f"严格落实信访事项“{cw['reply_days']}日内办结答复”的规定，{span_words(r)}已答复"
            f"{ind['casework.replied'].value}件，其中按期答复{ind['casework.on_time'].value}件，按期答复率{rate_text}")
    rate_ind = ind["casework.on_time_rate"]
    if rate_ind.prior is not None:
        text += f"，{comparisons(r, rate_ind)}"
    return text + _late_and_pending(ind) + _median_days(ind) + "。"


def text_escalation(r: Report) -> str:
    """Escalated petitions (越级访)."""
    item = r.indicators["casework.escalated"]
    text = f"{span_words(r)}{_escalation_words(item.value)}"
    if item.prior is not None:
        text += f"（上年同期{item.prior}件）"
    return text + "。"


def text_satisfaction(r: Report) -> str:
    """Ratings: how many were rated (参评率) and satisfied (满意率)."""
    ind = r.indicators
    rated, total = ind.bases["casework.rated"].value, ind["casework.total"].value
    if not rated:
        return "本期办结的信访事项暂无群众满意度评价。" if total else ""
    sat = ind["casework.satisfaction_rate"]
    text = (f"群众参与满意度评价{rated}件，参评率{number(ind['casework.participation_rate'].value, 'rate')}，"
            f"其中满意和基本满意{ind.bases['casework.satisfied'].value}件，群众满意率{number(sat.value, 'rate')}")
    if sat.prior is not None:
        text += f"，{comparisons(r, sat)}"
    return text + "。"


def text_months(r: Report) -> str:
    """The month with most petitions, and the trend over the period."""
    months = r.months
    if months.empty or not months["本期"].sum():
        return ""
    peak = months["本期"].idxmax()
    return f"从时间分布看，{peak}收件最多（{int(months['本期'].max())}件）。"


def text_handling(r: Report) -> str:
    """信访工作条例 figures the ledger keeps columns for: 及时受理, 办结 and 按期办结, 重复信访, 复查复核.

    Each is left out where the unit's ledger does not keep its column (the data note says so).
    """
    ind, items = r.indicators, r.indicators.items
    if not ind["casework.total"].value:
        return ""
    cw = load_rules()["casework"]
    parts = []

    def against(key: str) -> str:
        item = items[key]
        return f"，{comparisons(r, item)}" if item.prior is not None else ""

    def value(key: str, kind: str = "count") -> str:
        return number(items[key].value, kind) if kind == "rate" else str(items[key].value)

    if "casework.acceptance_rate" in items:
        parts.append(f"收到信访事项后{cw['acceptance_days']}日内书面告知受理{value('casework.accepted_on_time')}件，"
                     f"及时受理率{value('casework.acceptance_rate', 'rate')}{against('casework.acceptance_rate')}")
    if "casework.closed_on_time_rate" in items:
        parts.append(f"已办结{value('casework.closed')}件，办结率{value('casework.closing_rate', 'rate')}，"
                     f"其中按期办结{value('casework.closed_on_time')}件，按期办结率"
                     f"{value('casework.closed_on_time_rate', 'rate')}{against('casework.closed_on_time_rate')}")
    if "casework.repeat" in items:
        repeat = items["casework.repeat"]
        text = f"重复信访{repeat.value}件，初信初访占{number(items['casework.first_time_rate'].value, 'rate')}"
        if repeat.prior is not None:
            text += f"（上年同期重复信访{repeat.prior}件）"
        parts.append(text)
    if "casework.reviews" in items and items["casework.reviews"].value:
        upheld = items["casework.review_upheld"].value
        parts.append(f"申请复查复核{items['casework.reviews'].value}件" +
                     (f"，经复查复核维持原处理意见{upheld}件" if upheld else ""))
    return f"{span_words(r)}" + "；".join(parts) + "。" if parts else ""


def text_counted(r: Report, table: schema.Table) -> str:
    """A counted table (纪律教育): each kind held, and all of them against last year."""
    items, prefix = r.indicators.items, table.prefix
    if f"{prefix}.total" not in items:
        return ""
    kinds = [items[k] for k in items if k.startswith(f"{prefix}.") and k != f"{prefix}.total" and items[k].value]
    if not kinds:
        return f"{span_words(r)}{table.title}中没有开展{table.sheet}活动的记录。"
    total = items[f"{prefix}.total"]
    text = (f"{span_words(r)}开展{'，'.join(f'{i.label}{i.value}次' for i in kinds)}，"
            f"合计{total.value}次")
    if total.prior is not None:
        text += f"，{comparisons(r, total)}"
    return text + "。"


SENTENCES: dict[str, Callable[[Report], str]] = {
    "text.activities": text_activities,
    "text.casework": text_casework,
    "text.total": text_total,
    "text.publicity": text_publicity,
    "text.coverage": text_coverage,
    "text.channels": text_channels,
    "text.categories": text_categories,
    "text.timeliness": text_timeliness,
    "text.escalation": text_escalation,
    "text.satisfaction": text_satisfaction,
    "text.months": text_months,
    "text.handling": text_handling,
}
# A counted table's sentence comes with it: {text.<prefix>}.
SENTENCES.update({f"text.{schema.TABLES[name].prefix}": partial(text_counted, table=schema.TABLES[name])
                  for name in schema.COUNTED_TABLES})


# --------------------------------------------------------------------------- problems found in the data


def problem_activities(r: Report) -> str | None:
    """Activity minimums not met (prorated to the closed rule periods)."""
    ind = r.indicators
    if not ind.shortfalls:
        return None
    parts = [f"{schema.CATEGORY_SHORT[s['code']]}{s['count']}次（按“{s['rule']}”应不少于{s['required']}次）"
             for s in ind.shortfalls]
    lead = span_words(r) if ind.as_of == ind.period.end else f"截至{cn_date(ind.as_of)}（按已届满周期折算）"
    return f"组织生活落实不够到位。{lead}开展{'，'.join(parts)}，未达到规定频次。"


def problem_timeliness(r: Report) -> str | None:
    """Petitions not answered in time."""
    ind = r.indicators
    overdue = ind["casework.overdue"].value
    if not overdue:
        return None
    return (f"信访办理时效有待提升。{span_words(r)}有{overdue}件信访事项未在规定期限内答复，"
            f"按期答复率为{number(ind['casework.on_time_rate'].value, 'rate')}。")


def problem_escalation(r: Report) -> str | None:
    """Escalated petitions."""
    esc = r.indicators["casework.escalated"].value
    if not esc:
        return None
    return f"源头化解仍有短板。发生越级信访{esc}件，矛盾纠纷就地化解能力需进一步增强。"


def problem_satisfaction(r: Report) -> str | None:
    """Petitioners not satisfied."""
    ind = r.indicators
    unhappy = ind.bases["casework.rated"].value - ind.bases["casework.satisfied"].value
    if not unhappy:
        return None
    return (f"群众满意度仍有提升空间。参评的信访事项中有{unhappy}件评价为不满意，"
            f"群众满意率为{number(ind['casework.satisfaction_rate'].value, 'rate')}。")


def problem_acceptance(r: Report) -> str | None:
    """Petitions not accepted in writing within the rule's days (where the ledger keeps 受理日期)."""
    items = r.indicators.items
    if "casework.acceptance_rate" not in items:
        return None
    due = r.indicators.bases["casework.acceptance_due"].value
    late = due - items["casework.accepted_on_time"].value
    if not late:
        return None
    days = load_rules()["casework"]["acceptance_days"]
    return (f"受理告知不够及时。{span_words(r)}有{late}件信访事项未在收到后{days}日内书面告知是否受理，"
            f"及时受理率为{number(items['casework.acceptance_rate'].value, 'rate')}。")


def problem_repeats(r: Report) -> str | None:
    """More repeat petitions than in the same span last year."""
    item = r.indicators.items.get("casework.repeat")
    if item is None or item.prior is None or item.value <= item.prior:
        return None
    return (f"重复信访有所增加。{span_words(r)}重复信访{item.value}件，比上年同期增加{item.value - item.prior}件，"
            "初信初访化解工作仍需加强。")


def problem_counted(r: Report, table: schema.Table) -> str | None:
    """A counted table's kinds held less often than their minimums (``minimums`` under its prefix in
    ``config/rules.yml``, prorated to the rule periods closed by as_of)."""
    items, ind = r.indicators.items, r.indicators
    short = []
    for code, rule in (load_rules()[table.prefix].get("minimums") or {}).items():
        item = items.get(f"{table.prefix}.{code}")
        if item is None:
            continue
        required = ind.period.closed_rule_periods(int(rule["per_year"]), ind.as_of)
        if item.value < required:
            short.append(f"{item.label}{item.value}次（按“{rule['rule']}”应不少于{required}次）")
    if not short:
        return None
    return f"{table.sheet}频次不够。{span_words(r)}开展{'，'.join(short)}，未达到规定要求。"


PROBLEMS: dict[str, Callable[[Report], str | None]] = {
    "activities": problem_activities,
    "timeliness": problem_timeliness,
    "escalation": problem_escalation,
    "satisfaction": problem_satisfaction,
    "acceptance": problem_acceptance,
    "repeats": problem_repeats,
}
# A counted table's problem finder comes with it: <prefix>, its minimums.
PROBLEMS.update({schema.TABLES[name].prefix: partial(problem_counted, table=schema.TABLES[name])
                 for name in schema.COUNTED_TABLES})


__all__ = ["LEADS", "PROBLEMS", "SENTENCES", "comparisons", "span_words"]
