"""The 信访 sentences and problem finders: petitions received, answered, escalated, rated, accepted, repeated.
Each takes the report's data and returns Chinese text (:mod:`helpers.words.sentences` registers them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..figures.casework import reply_times
from ..settings.config import rules as load_rules
from .phrasing import change_phrase, comparisons, md_escape, number, span_words

if TYPE_CHECKING:
    from ..document.report import Report
    from ..figures.base import Indicator, Span


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


# --------------------------------------------------------------------------- the 核对表's words

# Columns the 核对表 adds to a petition's contract columns: kept by the read step (the
# petitioner's earlier case, no personal value), then computed from the rules at each span.
EVIDENCE_KEPT = {"repeat_of": "前次信访编号（同一信访人、同一问题）"}
EVIDENCE_COMPUTED = {"deadline": "答复期限", "days_taken": "答复用时（天）"}


def evidence_columns(cases: pd.DataFrame, span: Span, rules: dict | None = None) -> dict[str, pd.Series]:
    """The deadline used and the days taken of each case, judged at the span's own end (as_of).

    Parameters
    ----------
    cases : DataFrame
        The casework records a count of ``span`` counted.
    span : Span
        The span they were counted in.
    rules : dict, optional
        The rules (``config/rules.yml`` when not given).

    Returns
    -------
    dict
        ``deadline`` (datetimes) and ``days_taken`` (whole days as text, empty
        without a reply by the span's end), indexed like ``cases``.
    """
    judged = reply_times(cases, span, rules)
    return {"deadline": judged["deadline"],
            "days_taken": judged["days_taken"].map(lambda v: "" if pd.isna(v) else str(int(v)))}


def rule_text(key: str, item: Indicator, rules: dict) -> str | None:
    """How a 信访 figure is counted, with the deadlines and standards of ``config/rules.yml`` (None: not one
    the table describes itself, such as a rate)."""
    cw = rules["casework"]
    if key.startswith("casework.channel."):
        return f"收到日期在统计区间内、信访形式为“{item.label}”的信访件数"
    received = "收到日期在统计区间内的信访件"
    deadline = f"答复期限为收到日期后{cw['reply_days']}天（经批准延期的{cw['extended_reply_days']}天）"
    return {
        "casework.total": "收到日期在统计区间内的信访件数",
        "casework.replied": f"{received}中，截止日前已答复的件数",
        "casework.on_time": f"{received}中，截止日前已答复且答复日期不晚于答复期限的件数；{deadline}",
        "casework.pending": f"{received}中，截至截止日尚未答复的件数",
        "casework.overdue": f"{received}中，答复晚于期限，或截至截止日未答复且已过期限的件数；{deadline}",
        "casework.escalated": f"{received}中，越级情况为{'、'.join(cw['escalation_levels'])}的件数",
        "casework.due": f"{received}中，已答复的和超期未答复的件数（按期答复率的分母）",
        "casework.rated": f"{received}中，满意度为{'、'.join(cw['rated'])}的件数（满意率的分母）",
        "casework.satisfied": f"{received}中，满意度为{'、'.join(cw['satisfied'])}的件数",
        "casework.median_reply_days": f"{received}中已答复件的答复用时（答复日期减收到日期，天）的中位数",
    }.get(key)
