"""The 信访台账's own check: dates in order, the 越级 and 满意度 choices, the columns each unit keeps, repeats.

The petitioner key (``_person``, built in the read step from 身份证号, else 姓名
+ 联系电话) is used here to link a case to the same petitioner's earlier one,
and is dropped with the rest of the sheet's personal columns: only the earlier
case's 信访编号 is kept (:func:`repeat_links`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import schema

if TYPE_CHECKING:
    from .ledgers import Checking


def check(c: Checking) -> None:
    """Check the casework rows; adds the derived column ``repeat_of`` (:func:`repeat_links`)."""
    frame, typed, cw = c.frame, c.typed, c.rules["casework"]
    for later in ("replied_date", "accepted_date", "closed_date"):
        early = typed[later] < typed["received_date"]
        c.set_aside(early, later, f"{c.label(later)}早于{c.label('received_date')}")
    none_words = {schema.header_key(w) for w in c.rules["reading"]["none_words"]}
    escalation = c.distinct(frame["escalation"], lambda v: "" if schema.header_key(v) in none_words else v)
    frame["escalation"] = escalation
    c.choice("escalation", cw["escalation_levels"])
    c.choice("satisfaction", cw["rated"])
    typed["escalation"] = escalation
    c.kept[c.table.name] = kept_by_unit(frame, c.table)
    typed["repeat_of"] = repeat_links(frame.assign(received_date=typed["received_date"]), c.good())
    c.derived.append("repeat_of")


def kept_by_unit(frame: pd.DataFrame, table: schema.Table) -> dict[str, list[str]]:
    """Per unit, the optional columns its rows fill (a figure from a column is stated only where it is kept),
    and ``petitioner`` where its rows name their petitioners (重复信访 can be counted)."""
    optional = [col.name for col in table.columns if not col.required]
    cols = optional + (["_person"] if "_person" in frame else [])
    units = frame["_unit_id"]
    filled = pd.DataFrame({col: (frame[col] != "").to_numpy() for col in cols}, index=frame.index)[units != ""]
    per_unit = filled.groupby(units[units != ""], sort=False).any()  # one pass per column, not per unit
    return {str(unit): [("petitioner" if col == "_person" else col) for col in cols if row[col]]
            for unit, row in per_unit.iterrows()}


def repeat_links(frame: pd.DataFrame, good: np.ndarray) -> pd.Series:
    """Per case, the 信访编号 of the same petitioner's earlier case on the same 问题类别 and unit (else "").

    Parameters
    ----------
    frame : DataFrame
        The casework rows, with ``_person``, ``_unit_id``, ``category``,
        ``received_date`` (parsed), ``row`` and ``case_id``.
    good : ndarray of bool
        The rows not set aside (only they link and are linked to).
    """
    out = pd.Series("", index=frame.index, dtype=object)
    if "_person" not in frame:
        return out
    keyed = frame[good & (frame["_person"] != "").to_numpy()]
    if keyed.empty:
        return out
    codes = [pd.factorize(keyed[col].to_numpy(dtype=object))[0] for col in ("_unit_id", "_person", "category")]
    order = np.lexsort((keyed["row"].to_numpy(), keyed["received_date"].to_numpy(), *codes[::-1]))
    same = np.zeros(len(order), dtype=bool)  # the case before, in the sorted order, is of the same group
    same[1:] = np.logical_and.reduce([code[order][1:] == code[order][:-1] for code in codes])
    ids = keyed["case_id"].to_numpy(dtype=object)[order]
    previous = np.where(same, np.concatenate(([""], ids[:-1])), "")
    out.loc[keyed.index[order]] = previous
    return out
